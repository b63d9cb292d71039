import type { Migration, MigrationProvider } from 'kysely';
import type { DatabaseDialect } from '../../../config/app-config.js';
import { replicaSchema } from './001-replica-schema.js';

/** Migrations live in code (not a folder scanned at run time) so the build carries them. */
export class ReplicaMigrations implements MigrationProvider {
  constructor(private readonly dialect: DatabaseDialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return { '001-replica-schema': replicaSchema(this.dialect) };
  }
}
