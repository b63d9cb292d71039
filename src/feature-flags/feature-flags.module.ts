import { CacheModule } from '@nestjs/cache-manager';
import { type DynamicModule, Module } from '@nestjs/common';
import { FeatureFlagsAdminController } from './feature-flags.admin.controller.js';
import { FeatureFlags } from './feature-flags.service.js';
import { FlipperStore } from './flipper-store.js';

/** Flipper-compatible flags; the admin endpoints only where the process serves the API. */
@Module({})
export class FeatureFlagsModule {
  static forRoot(options: { admin: boolean }): DynamicModule {
    return {
      module: FeatureFlagsModule,
      global: true,
      // The flags' own in-process cache (cache-manager over an in-memory Keyv store).
      imports: [CacheModule.register()],
      controllers: options.admin ? [FeatureFlagsAdminController] : [],
      providers: [FlipperStore, FeatureFlags],
      exports: [FeatureFlags],
    };
  }
}
