import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { MetricNames as Names } from './metric-names.js';

export type CircuitStateName = 'closed' | 'open' | 'half_open' | 'isolated';

export const uhdMetricProviders = [
  makeGaugeProvider({
    name: Names.uhdCircuitBreakerOpen,
    help: "1 while this process's UHD circuit breaker is open (upstream calls are refused), else 0.",
  }),
  makeCounterProvider({
    name: Names.uhdCircuitBreakerTransitionsTotal,
    help: 'UHD circuit breaker state changes, by the state entered.',
    labelNames: ['state'],
  }),
  makeCounterProvider({
    name: Names.uhdTokenRequestsTotal,
    help: 'UHD token requests, by outcome; a healthy process asks once per token lifetime.',
    labelNames: ['outcome'],
  }),
];

@Injectable()
export class UhdMetrics {
  constructor(
    @InjectMetric(Names.uhdCircuitBreakerOpen) private readonly open: Gauge<string>,
    @InjectMetric(Names.uhdCircuitBreakerTransitionsTotal) private readonly transitions: Counter<string>,
    @InjectMetric(Names.uhdTokenRequestsTotal) private readonly tokens: Counter<string>,
  ) {
    this.open.set(0);
  }

  circuitChanged(state: CircuitStateName) {
    this.transitions.inc({ state });
    this.open.set(state === 'open' || state === 'isolated' ? 1 : 0);
  }

  tokenRequested(outcome: 'ok' | 'error') {
    this.tokens.inc({ outcome });
  }
}
