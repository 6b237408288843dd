package com.taskifai.activities;

import com.taskifai.activities.audit.AuditingActivityInterceptor;
import com.taskifai.activities.backup.BackupSettings;
import com.taskifai.activities.backup.BackupStore;
import com.taskifai.activities.backup.PgClient;
import com.taskifai.activities.costs.CostActivitiesImpl;
import com.taskifai.activities.database.BackupActivitiesImpl;
import com.taskifai.activities.database.FleetMigrationActivitiesImpl;
import com.taskifai.activities.database.MoveActivitiesImpl;
import com.taskifai.activities.database.OnlineReplication;
import com.taskifai.activities.database.PgPipes;
import com.taskifai.activities.database.ServerAccess;
import com.taskifai.activities.database.SharedTrialDatabases;
import com.taskifai.activities.database.TemplateDatabase;
import com.taskifai.activities.database.TenantDatabaseActivitiesImpl;
import com.taskifai.activities.database.TenantDatabaseInventory;
import com.taskifai.activities.database.TrialActivitiesImpl;
import com.taskifai.activities.database.supabase.SupabaseManagementApi;
import com.taskifai.activities.database.supabase.SupabaseProjects;
import com.taskifai.activities.dns.DnsActivitiesImpl;
import com.taskifai.activities.dns.DnsProvider;
import com.taskifai.activities.dns.LocalDnsProvider;
import com.taskifai.activities.dns.Route53DnsProvider;
import com.taskifai.activities.mail.SmtpMailer;
import com.taskifai.activities.mail.SmtpSettings;
import com.taskifai.activities.mail.TenantMailActivitiesImpl;
import com.taskifai.activities.reconcile.FleetActivitiesImpl;
import com.taskifai.activities.registry.TenantRegistryActivitiesImpl;
import com.taskifai.registry.AuditLog;
import com.taskifai.registry.DatabaseServers;
import com.taskifai.registry.ReconcileReports;
import com.taskifai.registry.SubdomainRules;
import com.taskifai.registry.TenantOperations;
import com.taskifai.registry.TenantRegistry;
import com.taskifai.registry.TenantUsage;
import com.taskifai.registry.VerificationLinks;
import com.taskifai.registry.crypto.CredentialCipher;
import com.taskifai.registry.crypto.KeyRing;
import com.taskifai.registry.crypto.VerificationTokens;
import com.taskifai.registry.providers.SupabaseSettings;
import com.taskifai.registry.providers.TenantProviders;
import com.taskifai.registry.settings.DbSettings;
import com.taskifai.registry.settings.Settings;
import com.taskifai.registry.tracing.PlatformTracing;
import com.taskifai.tenantschema.TenantSchema;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opentelemetry.api.OpenTelemetry;
import io.temporal.common.interceptors.WorkerInterceptor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * Every activity implementation of the platform and the interceptor that audits them, built from
 * the platform database, the credential cipher and the configuration. The worker registers {@link
 * #implementations()} and {@link #interceptors()}; {@link #close()} releases what this object
 * opened (the DNS client, the admin sessions of the database steps, and the pool when built by
 * {@link #fromEnvironment}).
 */
public final class PlatformActivities implements AutoCloseable {
  /**
   * How long a tenant must have stayed PROVISIONING, AWAITING_VERIFICATION or DELETING before the
   * reconciler reports a missing workflow.
   */
  public static final Duration STALLED_AFTER = Duration.ofMinutes(10);

  private final TenantRegistryActivitiesImpl registry;
  private final TenantDatabaseActivitiesImpl database;
  private final DnsActivitiesImpl dns;
  private final TenantMailActivitiesImpl mail;
  private final FleetActivitiesImpl fleet;
  private final BackupActivitiesImpl backups;
  private final com.taskifai.activities.database.ImportActivitiesImpl imports;
  private final FleetMigrationActivitiesImpl migrations;
  private final MoveActivitiesImpl moves;
  private final CostActivitiesImpl costs;
  private final TrialActivitiesImpl trials;
  private final com.taskifai.activities.pitr.PitrActivitiesImpl pitr;
  private final com.taskifai.activities.database.PointInTimeRestores pointInTime;
  private final AuditingActivityInterceptor interceptor;
  private final HeartbeatingActivityInterceptor heartbeats = new HeartbeatingActivityInterceptor();
  private final List<AutoCloseable> resources;
  private final DatabaseServers servers;
  private final com.taskifai.activities.database.ExportActivitiesImpl exports;

  private PlatformActivities(
      TenantRegistryActivitiesImpl registry,
      TenantDatabaseActivitiesImpl database,
      DnsActivitiesImpl dns,
      TenantMailActivitiesImpl mail,
      FleetActivitiesImpl fleet,
      BackupActivitiesImpl backups,
      FleetMigrationActivitiesImpl migrations,
      MoveActivitiesImpl moves,
      CostActivitiesImpl costs,
      TrialActivitiesImpl trials,
      com.taskifai.activities.pitr.PitrActivitiesImpl pitr,
      com.taskifai.activities.database.PointInTimeRestores pointInTime,
      AuditingActivityInterceptor interceptor,
      List<AutoCloseable> resources,
      DatabaseServers servers,
      com.taskifai.activities.database.ExportActivitiesImpl exports,
      com.taskifai.activities.database.ImportActivitiesImpl imports) {
    this.registry = registry;
    this.database = database;
    this.dns = dns;
    this.mail = mail;
    this.fleet = fleet;
    this.backups = backups;
    this.migrations = migrations;
    this.moves = moves;
    this.costs = costs;
    this.trials = trials;
    this.pitr = pitr;
    this.pointInTime = pointInTime;
    this.interceptor = interceptor;
    this.resources = resources;
    this.servers = servers;
    this.exports = exports;
    this.imports = imports;
    resources.add(heartbeats);
  }

  /** The activities on an existing platform data source (the platform role). */
  public static PlatformActivities create(
      DataSource platformDataSource, CredentialCipher cipher, ActivitiesConfig config) {
    return create(platformDataSource, cipher, config, Clock.systemUTC());
  }

  /** As {@link #create(DataSource, CredentialCipher, ActivitiesConfig)}, on a given clock. */
  public static PlatformActivities create(
      DataSource platform, CredentialCipher cipher, ActivitiesConfig config, Clock clock) {
    return create(
        platform, cipher, config, BackupSettings.defaults(), clock, TenantSchema.DEFAULT_LOCATIONS);
  }

  /** As {@link #create(DataSource, CredentialCipher, ActivitiesConfig, Clock)}, with backups. */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      BackupSettings backupSettings,
      Clock clock) {
    return create(platform, cipher, config, backupSettings, clock, TenantSchema.DEFAULT_LOCATIONS);
  }

  /**
   * As {@link #create(DataSource, CredentialCipher, ActivitiesConfig, Clock)}, with the Flyway
   * locations of the tenant migrations (provisioning, the template and fleet rollouts use them).
   */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      Clock clock,
      List<String> tenantMigrationLocations) {
    return create(
        platform, cipher, config, BackupSettings.defaults(), clock, tenantMigrationLocations);
  }

  /** As {@link #create(DataSource, CredentialCipher, ActivitiesConfig, Clock)}, with SMTP login. */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      Clock clock,
      SmtpSettings smtp) {
    return create(
        platform,
        cipher,
        config,
        BackupSettings.defaults(),
        clock,
        TenantSchema.DEFAULT_LOCATIONS,
        smtp);
  }

  /** Plain SMTP on the configured host and port, as in dev and tests. */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      BackupSettings backupSettings,
      Clock clock,
      List<String> tenantMigrationLocations) {
    return create(
        platform,
        cipher,
        config,
        backupSettings,
        clock,
        tenantMigrationLocations,
        SmtpSettings.plain(config.smtpHost(), config.smtpPort()));
  }

  /** Every part given: backups, the Flyway locations of the tenant migrations, SMTP. */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      BackupSettings backupSettings,
      Clock clock,
      List<String> tenantMigrationLocations,
      SmtpSettings smtp) {
    return create(
        platform,
        cipher,
        config,
        backupSettings,
        clock,
        tenantMigrationLocations,
        smtp,
        SupabaseSettings.none());
  }

  /** As {@link #create(DataSource, CredentialCipher, ActivitiesConfig, Clock)}, with Supabase. */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      Clock clock,
      SupabaseSettings supabaseSettings) {
    return create(
        platform,
        cipher,
        config,
        BackupSettings.defaults(),
        clock,
        TenantSchema.DEFAULT_LOCATIONS,
        SmtpSettings.plain(config.smtpHost(), config.smtpPort()),
        supabaseSettings);
  }

  /**
   * Every part given: backups, the Flyway locations of the tenant migrations, SMTP, and the
   * Supabase provider ({@link SupabaseSettings#none()} when it is not used).
   */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      BackupSettings backupSettings,
      Clock clock,
      List<String> tenantMigrationLocations,
      SmtpSettings smtp,
      SupabaseSettings supabaseSettings) {
    return create(
        platform,
        cipher,
        config,
        backupSettings,
        clock,
        tenantMigrationLocations,
        smtp,
        supabaseSettings,
        OpenTelemetry.noop());
  }

  /**
   * As above, traced by {@code tracing} (the process's, from {@code PlatformTracing}): when traces
   * are on, every JDBC statement on the platform database and on the servers' admin sessions, each
   * mail sent and each Route 53 call is a client span under the activity that made it; when off
   * ({@link OpenTelemetry#noop()}) nothing is wrapped.
   */
  public static PlatformActivities create(
      DataSource platform,
      CredentialCipher cipher,
      ActivitiesConfig config,
      BackupSettings backupSettings,
      Clock clock,
      List<String> tenantMigrationLocations,
      SmtpSettings smtp,
      SupabaseSettings supabaseSettings,
      OpenTelemetry tracing) {
    UnaryOperator<DataSource> statementSpans = PlatformTracing.statementSpans(tracing);
    platform = statementSpans.apply(platform);
    List<AutoCloseable> resources = new ArrayList<>();
    TenantRegistry tenants = new TenantRegistry(platform);
    DatabaseServers servers = new DatabaseServers(platform);
    AuditLog audit = new AuditLog(platform);
    StagedSecrets secrets = new StagedSecrets(platform, cipher);
    DnsProvider provider = dnsProvider(platform, config, resources, tracing);
    SupabaseProjects supabase =
        supabaseSettings.enabled()
            ? new SupabaseProjects(
                new SupabaseManagementApi(
                    supabaseSettings.apiBaseUrl(),
                    supabaseSettings.accessToken(),
                    supabaseSettings.pollInterval(),
                    supabaseSettings.callTimeout()),
                supabaseSettings,
                new TenantProviders(platform),
                servers,
                secrets,
                cipher,
                clock)
            : null;
    // The server-access layer, one of each per process: the admin sessions of every database
    // server, pg_dump/pg_restore, and the guard of the shared trial databases.
    ServerAccess access =
        new ServerAccess(tenants, servers, cipher, config.adminConnectionTimeout(), statementSpans);
    resources.add(access);
    PgPipes pipes = new PgPipes(new PgClient(backupSettings.pgBin()));
    TemplateDatabase template = new TemplateDatabase(tenantMigrationLocations);
    SharedTrialDatabases trialDatabases =
        new SharedTrialDatabases(platform, cipher, tenantMigrationLocations);
    TenantDatabaseActivitiesImpl database =
        new TenantDatabaseActivitiesImpl(
            platform,
            access,
            tenants,
            servers,
            secrets,
            config,
            clock,
            tenantMigrationLocations,
            template,
            supabase);
    OnlineReplication replication = OnlineReplication.create();
    TenantDatabaseInventory inventory = new TenantDatabaseInventory(access, replication);
    BackupStore store = backupSettings.openStore();
    if (store instanceof AutoCloseable closeable) {
      resources.add(closeable);
    }
    BackupActivitiesImpl backups =
        new BackupActivitiesImpl(platform, access, pipes, trialDatabases, cipher, store, clock);
    MoveActivitiesImpl moves =
        new MoveActivitiesImpl(platform, access, pipes, trialDatabases, cipher, replication);
    TrialActivitiesImpl trials =
        new TrialActivitiesImpl(
            platform, access, tenants, secrets, cipher, trialDatabases, replication);
    return new PlatformActivities(
        new TenantRegistryActivitiesImpl(
            tenants, servers, audit, secrets, cipher, config, new TenantProviders(platform)),
        database,
        new DnsActivitiesImpl(provider, config),
        new TenantMailActivitiesImpl(
            tenants,
            secrets,
            VerificationTokens.of(cipher),
            new VerificationLinks(platform),
            database,
            new SmtpMailer(smtp, config.mailFrom(), tracing),
            config,
            clock),
        new FleetActivitiesImpl(
            tenants,
            servers,
            inventory,
            provider,
            secrets,
            new ReconcileReports(platform),
            audit,
            new SubdomainRules(config.baseDomain()),
            STALLED_AFTER,
            clock,
            null,
            supabase,
            new TenantOperations(platform)),
        backups,
        new FleetMigrationActivitiesImpl(access, tenants, servers, template),
        moves,
        new CostActivitiesImpl(tenants, servers, inventory, new TenantUsage(platform), clock),
        trials,
        new com.taskifai.activities.pitr.PitrActivitiesImpl(
            platform, cipher, com.taskifai.registry.embedded.WalArchive::findTool, clock),
        new com.taskifai.activities.database.PointInTimeRestores(
            access, pipes, platform, com.taskifai.registry.embedded.WalArchive::findTool, supabase),
        new AuditingActivityInterceptor(audit),
        resources,
        servers,
        new com.taskifai.activities.database.ExportActivitiesImpl(
            platform, access, pipes, trialDatabases, cipher, store, clock),
        new com.taskifai.activities.database.ImportActivitiesImpl(
            platform, access, pipes, cipher, store, tenantMigrationLocations));
  }

  /**
   * The activities as a process configures them from its environment: a pool on {@code
   * TASKIFAI_DB_URL}/{@code _USER}/{@code _PASSWORD}, the key ring of {@code TASKIFAI_MASTER_KEYS}
   * (or {@code TASKIFAI_MASTER_KEYS_FILE}), and {@link ActivitiesConfig#fromEnvironment}.
   */
  public static PlatformActivities fromEnvironment(Map<String, String> env) {
    return fromEnvironment(env, OpenTelemetry.noop());
  }

  /** As {@link #fromEnvironment(Map)}, traced by {@code tracing}. */
  public static PlatformActivities fromEnvironment(Map<String, String> env, OpenTelemetry tracing) {
    return fromSettings(env, Settings.of(env), tracing);
  }

  /**
   * The activities as {@code settings} configure them; {@code env} still feeds the readers that
   * take the environment themselves (key ring, tenant migrations, Supabase).
   */
  public static PlatformActivities fromSettings(Map<String, String> env, Settings settings) {
    return fromSettings(env, settings, OpenTelemetry.noop());
  }

  /**
   * As {@link #fromSettings(Map, Settings)}, traced by {@code tracing} (see {@link
   * #create(DataSource, CredentialCipher, ActivitiesConfig, BackupSettings, Clock, List,
   * SmtpSettings, SupabaseSettings, OpenTelemetry)}).
   */
  public static PlatformActivities fromSettings(
      Map<String, String> env, Settings settings, OpenTelemetry tracing) {
    String url = env.get("TASKIFAI_DB_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          "TASKIFAI_DB_URL is not set: the activities need the platform database");
    }
    DbSettings db = settings.bind(DbSettings.class);
    KeyRing ring = KeyRing.fromEnvironment(env, null);
    ActivitiesConfig config = ActivitiesConfig.from(settings);
    HikariConfig pool = new HikariConfig();
    pool.setPoolName("taskifai-activities");
    pool.setJdbcUrl(db.url());
    pool.setUsername(db.username());
    pool.setPassword(db.password());
    pool.setMaximumPoolSize(10);
    HikariDataSource dataSource = new HikariDataSource(pool);
    PlatformActivities activities =
        create(
            dataSource,
            new CredentialCipher(ring),
            config,
            BackupSettings.from(settings),
            Clock.systemUTC(),
            TenantSchema.locationsFromEnvironment(env),
            config.smtp(),
            SupabaseSettings.fromEnvironment(env),
            tracing);
    activities.resources.add(dataSource);
    return activities;
  }

  private static DnsProvider dnsProvider(
      DataSource platform,
      ActivitiesConfig config,
      List<AutoCloseable> resources,
      OpenTelemetry tracing) {
    return switch (config.dnsProvider()) {
      case LOCAL -> new LocalDnsProvider(platform, config.dnsTarget(), config.dnsTtl().toSeconds());
      case ROUTE53 -> {
        Route53DnsProvider route53 =
            new Route53DnsProvider(
                Route53DnsProvider.client(config.route53Endpoint(), null, tracing),
                config.route53HostedZoneId(),
                config.dnsTarget(),
                config.dnsTtl().toSeconds(),
                config.dnsSyncTimeout(),
                Duration.ofSeconds(2));
        resources.add(route53);
        yield route53;
      }
    };
  }

  /**
   * The registered database servers that production would refuse for their TLS settings (see {@link
   * DatabaseServers#tlsProblems}); the worker reports them at start.
   */
  public List<String> databaseServerTlsProblems() {
    return servers.tlsProblems();
  }

  /** The activity implementations to register on the worker. */
  public List<Object> implementations() {
    return List.of(
        registry,
        database,
        dns,
        mail,
        fleet,
        backups,
        migrations,
        moves,
        costs,
        trials,
        pitr,
        pointInTime,
        exports,
        imports);
  }

  /** The base backups of the servers' WAL archives (the worker's base-backup schedules). */
  public com.taskifai.activities.pitr.PitrActivitiesImpl pitr() {
    return pitr;
  }

  /** The interceptor that writes the audit rows. */
  public WorkerInterceptor interceptor() {
    return interceptor;
  }

  /**
   * The interceptors a worker on these activities needs: audit rows and heartbeats. Add them to the
   * worker factory's interceptors.
   */
  public List<WorkerInterceptor> interceptors() {
    return List.of(interceptor, heartbeats);
  }

  public TenantRegistryActivitiesImpl registry() {
    return registry;
  }

  public TenantDatabaseActivitiesImpl database() {
    return database;
  }

  public DnsActivitiesImpl dns() {
    return dns;
  }

  public TenantMailActivitiesImpl mail() {
    return mail;
  }

  public FleetActivitiesImpl fleet() {
    return fleet;
  }

  /** The restores to a point in time (ours from the WAL archive, or the provider's). */
  public com.taskifai.activities.database.PointInTimeRestores pointInTime() {
    return pointInTime;
  }

  public BackupActivitiesImpl backups() {
    return backups;
  }

  /** The tenant exports' activities. */
  public com.taskifai.activities.database.ExportActivitiesImpl exports() {
    return exports;
  }

  public FleetMigrationActivitiesImpl migrations() {
    return migrations;
  }

  public MoveActivitiesImpl moves() {
    return moves;
  }

  public CostActivitiesImpl costs() {
    return costs;
  }

  @Override
  public void close() {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception ignored) {
        // Closing on shutdown: nothing left to do with the failure.
      }
    }
  }
}
