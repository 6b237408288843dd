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

  /**
   * Wires every activity implementation of the platform: the one place the worker's parts are
   * built. Each part once per process: the server-access layer (admin sessions of every database
   * server), pg_dump/pg_restore, the guard of the shared trial databases, the backup store.
   */
  private PlatformActivities(Builder b) {
    OpenTelemetry tracing = b.tracing;
    Clock clock = b.clock;
    CredentialCipher cipher = b.cipher;
    ActivitiesConfig config = b.config;
    List<String> tenantMigrationLocations = b.tenantMigrationLocations;
    SupabaseSettings supabaseSettings = b.supabase;
    UnaryOperator<DataSource> statementSpans = PlatformTracing.statementSpans(tracing);
    DataSource platform = statementSpans.apply(b.platform);
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
    PgPipes pipes = new PgPipes(new PgClient(b.backups.pgBin()));
    TemplateDatabase template = new TemplateDatabase(tenantMigrationLocations);
    SharedTrialDatabases trialDatabases =
        new SharedTrialDatabases(platform, cipher, tenantMigrationLocations);
    this.database =
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
    BackupStore store = b.backups.openStore();
    if (store instanceof AutoCloseable closeable) {
      resources.add(closeable);
    }
    this.backups =
        new BackupActivitiesImpl(platform, access, pipes, trialDatabases, cipher, store, clock);
    this.moves =
        new MoveActivitiesImpl(platform, access, pipes, trialDatabases, cipher, replication);
    this.trials =
        new TrialActivitiesImpl(
            platform, access, tenants, secrets, cipher, trialDatabases, replication);
    this.registry =
        new TenantRegistryActivitiesImpl(
            tenants, servers, audit, secrets, cipher, config, new TenantProviders(platform));
    this.dns = new DnsActivitiesImpl(provider, config);
    this.mail =
        new TenantMailActivitiesImpl(
            tenants,
            secrets,
            VerificationTokens.of(cipher),
            new VerificationLinks(platform),
            database,
            new SmtpMailer(b.smtpOrPlain(), config.mailFrom(), tracing),
            config,
            clock);
    this.fleet =
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
            new TenantOperations(platform));
    this.migrations = new FleetMigrationActivitiesImpl(access, tenants, servers, template);
    this.costs =
        new CostActivitiesImpl(tenants, servers, inventory, new TenantUsage(platform), clock);
    this.pitr =
        new com.taskifai.activities.pitr.PitrActivitiesImpl(
            platform, cipher, com.taskifai.registry.embedded.WalArchive::findTool, clock);
    this.pointInTime =
        new com.taskifai.activities.database.PointInTimeRestores(
            access, pipes, platform, com.taskifai.registry.embedded.WalArchive::findTool, supabase);
    this.interceptor = new AuditingActivityInterceptor(audit);
    this.servers = servers;
    this.exports =
        new com.taskifai.activities.database.ExportActivitiesImpl(
            platform, access, pipes, trialDatabases, cipher, store, clock);
    this.imports =
        new com.taskifai.activities.database.ImportActivitiesImpl(
            platform, access, pipes, cipher, store, tenantMigrationLocations);
    resources.add(heartbeats);
    // What the caller opened for these activities (the pool) closes last.
    resources.addAll(b.resources);
    this.resources = resources;
  }

  /**
   * The activities on an existing platform data source (the platform role), every other part at its
   * default: {@code builder(platform, cipher, config).build()}.
   */
  public static PlatformActivities create(
      DataSource platform, CredentialCipher cipher, ActivitiesConfig config) {
    return builder(platform, cipher, config).build();
  }

  /**
   * The activities on {@code platform} (the platform role's data source), {@code cipher} and {@code
   * config}; the builder's other parts default to: backups {@link BackupSettings#defaults()}, the
   * UTC clock, the product's tenant migrations ({@link TenantSchema#DEFAULT_LOCATIONS}), plain SMTP
   * on {@code config}'s host and port, no Supabase, no traces.
   */
  public static Builder builder(
      DataSource platform, CredentialCipher cipher, ActivitiesConfig config) {
    return new Builder(platform, cipher, config);
  }

  /** The parts of {@link PlatformActivities} that are not defaults; {@link #build()} wires them. */
  public static final class Builder {
    private final DataSource platform;
    private final CredentialCipher cipher;
    private final ActivitiesConfig config;
    private BackupSettings backups = BackupSettings.defaults();
    private Clock clock = Clock.systemUTC();
    private List<String> tenantMigrationLocations = TenantSchema.DEFAULT_LOCATIONS;
    private SmtpSettings smtp;
    private SupabaseSettings supabase = SupabaseSettings.none();
    private OpenTelemetry tracing = OpenTelemetry.noop();
    private final List<AutoCloseable> resources = new ArrayList<>();

    private Builder(DataSource platform, CredentialCipher cipher, ActivitiesConfig config) {
      this.platform = java.util.Objects.requireNonNull(platform, "platform");
      this.cipher = java.util.Objects.requireNonNull(cipher, "cipher");
      this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /** The backups' store, tools and schedule. */
    public Builder backups(BackupSettings settings) {
      this.backups = java.util.Objects.requireNonNull(settings, "backups");
      return this;
    }

    /** The clock of every activity (tests move it). */
    public Builder clock(Clock clock) {
      this.clock = java.util.Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The Flyway locations of the tenant migrations (provisioning, the template and fleet rollouts
     * use them).
     */
    public Builder tenantMigrations(List<String> locations) {
      this.tenantMigrationLocations = List.copyOf(locations);
      return this;
    }

    /** SMTP with login and TLS as {@code smtp} says (default: plain, on the config's server). */
    public Builder smtp(SmtpSettings smtp) {
      this.smtp = java.util.Objects.requireNonNull(smtp, "smtp");
      return this;
    }

    /** The Supabase provider ({@link SupabaseSettings#none()} when it is not used). */
    public Builder supabase(SupabaseSettings supabase) {
      this.supabase = java.util.Objects.requireNonNull(supabase, "supabase");
      return this;
    }

    /**
     * Traced by {@code tracing} (the process's, from {@code PlatformTracing}): when traces are on,
     * every JDBC statement on the platform database and on the servers' admin sessions, each mail
     * sent and each Route 53 call is a client span under the activity that made it; when off
     * ({@link OpenTelemetry#noop()}) nothing is wrapped.
     */
    public Builder tracing(OpenTelemetry tracing) {
      this.tracing = java.util.Objects.requireNonNull(tracing, "tracing");
      return this;
    }

    /** Closes {@code resource} (the pool the builder's caller opened) with the activities. */
    Builder closing(AutoCloseable resource) {
      resources.add(resource);
      return this;
    }

    private SmtpSettings smtpOrPlain() {
      return smtp != null ? smtp : SmtpSettings.plain(config.smtpHost(), config.smtpPort());
    }

    /** The activities, wired. */
    public PlatformActivities build() {
      return new PlatformActivities(this);
    }
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
   * The activities as {@code settings} configure them (every part through its settings record);
   * {@code env} still feeds the readers that take the environment themselves (key ring, Supabase).
   * Traced by {@code tracing} (see {@link Builder#tracing}).
   */
  public static PlatformActivities fromSettings(
      Map<String, String> env, Settings settings, OpenTelemetry tracing) {
    if (!settings.isSet("taskifai.db.url")) {
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
    return builder(dataSource, new CredentialCipher(ring), config)
        .backups(BackupSettings.from(settings))
        .tenantMigrations(settings.bind(TenantMigrationSettings.class).tenantMigrationLocations())
        .smtp(config.smtp())
        .supabase(SupabaseSettings.fromEnvironment(env))
        .tracing(tracing)
        .closing(dataSource)
        .build();
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
