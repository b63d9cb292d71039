import { type DynamicModule, Module } from '@nestjs/common';
import { SessionGuard } from './session.guard.js';
import { SessionStore } from './session-store.js';
import { SignInController } from './sign-in.controller.js';
import { SignInService } from './sign-in.service.js';

/** Sign-in completions, sessions and user snapshots. The endpoint only where the API is served. */
@Module({})
export class LoginModule {
  static forRoot(options: { api: boolean }): DynamicModule {
    return {
      module: LoginModule,
      global: true,
      controllers: options.api ? [SignInController] : [],
      providers: [SessionStore, SessionGuard, ...(options.api ? [SignInService] : [])],
      exports: [SessionStore, SessionGuard],
    };
  }
}
