package com.taskifai.launcher;

import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.PlatformDatabase;
import com.taskifai.registry.crypto.CredentialCipher;
import javax.sql.DataSource;

/**
 * The steps that make an empty PostgreSQL cluster a platform: the platform database and role, its
 * migrations, and the first database server row. {@code ./taskifai dev} and {@code ./taskifai init}
 * both run them; each step is idempotent.
 */
final class PlatformBootstrap {
  private PlatformBootstrap() {}

  /** Creates the platform database and role if missing and migrates the database. */
  static void migrate(DevDatabases.Database db, String platformDatabase, String platformRole) {
    PlatformDatabase.ensureDatabaseAndRole(
        db.clusterAdmin(), platformDatabase, platformRole, db.platformPassword());
    PlatformDatabase.migrate(db.platformOwner(), platformRole);
  }

  /** Registers (or updates) a database server that tenant databases are placed on. */
  static void registerServer(
      DevDatabases.Database db,
      String platformRole,
      CredentialCipher cipher,
      String serverId,
      String region,
      int capacity) {
    DataSource platform =
        DevPlatform.dataSource(db.platformUrl(), platformRole, db.platformPassword());
    new DatabaseServers(platform)
        .upsert(
            cipher,
            serverId,
            region,
            db.clusterUrl(),
            db.adminUser(),
            db.adminPassword(),
            capacity);
  }
}
