import { Body, Controller, Get, HttpCode, Logger, Param, Put } from '@nestjs/common';
import { AdminAuth } from '../platform/auth/bearer-token.guard.js';
import { DependencyUnavailable, InvalidArgument, NotFound } from '../platform/errors/domain-errors.js';
import { UpdateFeatureDto } from './dto/update-feature.dto.js';
import { FeatureFlags } from './feature-flags.service.js';
import { gatesFromHash } from './flipper-gates.js';
import { FlipperStore } from './flipper-store.js';

const FEATURE_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

export interface FeatureView {
  name: string;
  gates: { boolean: boolean; percentageOfActors: number; actors: string[] };
}

/** Reads and changes Flipper features in the shared store. Actor ids are never logged. */
@Controller('admin/features')
@AdminAuth()
export class FeatureFlagsAdminController {
  private readonly logger = new Logger(FeatureFlagsAdminController.name);

  constructor(
    private readonly store: FlipperStore,
    private readonly flags: FeatureFlags,
  ) {}

  @Get(':name')
  async show(@Param('name') name: string): Promise<FeatureView> {
    checkName(name);
    const { known, hash } = await storeCall(() => this.store.read(name));
    if (!known && Object.keys(hash).length === 0) throw new NotFound(`feature ${name} not found`);
    return view(name, hash);
  }

  @Put(':name')
  @HttpCode(200)
  async update(@Param('name') name: string, @Body() body: UpdateFeatureDto): Promise<FeatureView> {
    checkName(name);
    if (body.boolean === undefined && body.percentageOfActors === undefined && body.actors === undefined)
      throw new InvalidArgument('body', 'give at least one of boolean, percentageOfActors, actors');

    await storeCall(async () => {
      if (body.boolean !== undefined) await this.store.setBoolean(name, body.boolean);
      if (body.percentageOfActors !== undefined)
        await this.store.setPercentageOfActors(name, body.percentageOfActors);
      if (body.actors !== undefined) await this.store.setActors(name, body.actors);
    });
    await this.flags.forget(name);

    const result = view(name, (await storeCall(() => this.store.read(name))).hash);
    this.logger.log({
      msg: 'feature flag changed',
      feature: name,
      boolean: result.gates.boolean,
      percentageOfActors: result.gates.percentageOfActors,
      actorCount: result.gates.actors.length,
    });
    return result;
  }
}

/** The flag store (Redis) failing or timing out is a dependency outage (503), not a bug (500). */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyUnavailable('feature flag store', { cause: error });
  }
}

function checkName(name: string) {
  if (!FEATURE_NAME.test(name))
    throw new InvalidArgument('name', 'must be 1-128 characters of [A-Za-z0-9_.:-]');
}

function view(name: string, hash: Record<string, string>): FeatureView {
  const gates = gatesFromHash(hash);
  return {
    name,
    gates: {
      boolean: gates.boolean,
      percentageOfActors: gates.percentageOfActors,
      actors: [...gates.actors].sort(),
    },
  };
}
