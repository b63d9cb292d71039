// Integration and end-to-end suites start and stop real apps (queues, pools, subscribers, a
// restarted Redis); on a loaded 2-core machine a hook can take more than jest's default 5 s.
jest.setTimeout(30_000);
