-- The schema of one tenant's database. Runs as the tenant's owner role (NOLOGIN); the routing
-- runtime connects as the tenant's app role, which owns nothing and is held to row level security
-- (see TenantSchema.applyRls). Every user-facing id is a uuid so ids reveal nothing about volume.

-- ISO 4217 codes of currencies in circulation (no test, metal or fund-only code such as XXX).
-- A table rather than a CHECK list so that the upload code validates against the same truth.
CREATE TABLE currency_codes (
    code                char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$')
);
INSERT INTO currency_codes (code) VALUES
    ('AED'), ('AFN'), ('ALL'), ('AMD'), ('ANG'), ('AOA'), ('ARS'), ('AUD'), ('AWG'), ('AZN'), ('BAM'), ('BBD'),
    ('BDT'), ('BGN'), ('BHD'), ('BIF'), ('BMD'), ('BND'), ('BOB'), ('BOV'), ('BRL'), ('BSD'), ('BTN'), ('BWP'),
    ('BYN'), ('BZD'), ('CAD'), ('CDF'), ('CHE'), ('CHF'), ('CHW'), ('CLF'), ('CLP'), ('CNY'), ('COP'), ('COU'),
    ('CRC'), ('CUP'), ('CVE'), ('CZK'), ('DJF'), ('DKK'), ('DOP'), ('DZD'), ('EGP'), ('ERN'), ('ETB'), ('EUR'),
    ('FJD'), ('FKP'), ('GBP'), ('GEL'), ('GHS'), ('GIP'), ('GMD'), ('GNF'), ('GTQ'), ('GYD'), ('HKD'), ('HNL'),
    ('HTG'), ('HUF'), ('IDR'), ('ILS'), ('INR'), ('IQD'), ('IRR'), ('ISK'), ('JMD'), ('JOD'), ('JPY'), ('KES'),
    ('KGS'), ('KHR'), ('KMF'), ('KPW'), ('KRW'), ('KWD'), ('KYD'), ('KZT'), ('LAK'), ('LBP'), ('LKR'), ('LRD'),
    ('LSL'), ('LYD'), ('MAD'), ('MDL'), ('MGA'), ('MKD'), ('MMK'), ('MNT'), ('MOP'), ('MRU'), ('MUR'), ('MVR'),
    ('MWK'), ('MXN'), ('MXV'), ('MYR'), ('MZN'), ('NAD'), ('NGN'), ('NIO'), ('NOK'), ('NPR'), ('NZD'), ('OMR'),
    ('PAB'), ('PEN'), ('PGK'), ('PHP'), ('PKR'), ('PLN'), ('PYG'), ('QAR'), ('RON'), ('RSD'), ('RUB'), ('RWF'),
    ('SAR'), ('SBD'), ('SCR'), ('SDG'), ('SEK'), ('SGD'), ('SHP'), ('SLE'), ('SOS'), ('SRD'), ('SSP'), ('STN'),
    ('SVC'), ('SYP'), ('SZL'), ('THB'), ('TJS'), ('TMT'), ('TND'), ('TOP'), ('TRY'), ('TTD'), ('TWD'), ('TZS'),
    ('UAH'), ('UGX'), ('USD'), ('USN'), ('UYI'), ('UYU'), ('UZS'), ('VED'), ('VES'), ('VND'), ('VUV'), ('WST'),
    ('XAF'), ('XCD'), ('XCG'), ('XOF'), ('XPF'), ('YER'), ('ZAR'), ('ZMW'), ('ZWG');

CREATE TABLE users (
    id                              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                           text NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    display_name                    text,
    role                            text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    password_hash                   text,
    set_password_token_hash         text UNIQUE,
    set_password_token_expires_at   timestamptz,
    failed_logins                   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until                    timestamptz,
    created_at                      timestamptz NOT NULL DEFAULT now(),
    updated_at                      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sku                 text NOT NULL UNIQUE CHECK (length(sku) BETWEEN 1 AND 64),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    ean                 text CHECK (ean ~ '^[0-9]{8,14}$'),
    category            text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_ean ON products (ean);

CREATE TABLE vendor_configs (
    vendor_key          text PRIMARY KEY CHECK (vendor_key ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    display_name        text NOT NULL,
    delimiter           text NOT NULL CHECK (length(delimiter) = 1),
    quote_char          text NOT NULL DEFAULT '"' CHECK (length(quote_char) = 1),
    -- Lines before the header line (report titles, blank lines).
    header_line         integer NOT NULL DEFAULT 0 CHECK (header_line BETWEEN 0 AND 100),
    -- How the period column reads: 'dd.MM.yyyy' (a day), 'yyyy-MM-dd' (a day), 'yyyy-MM' (a month)
    -- or 'YYYY-Www' (an ISO week).
    period_format       text NOT NULL CHECK (period_format IN ('dd.MM.yyyy', 'yyyy-MM-dd', 'yyyy-MM', 'YYYY-Www')),
    decimal_separator   text NOT NULL DEFAULT '.' CHECK (decimal_separator IN ('.', ',')),
    -- Used when the file has no currency column.
    default_currency    char(3) REFERENCES currency_codes (code),
    -- The vendor's column header -> our field (period, ean, sku, product_name, quantity, revenue,
    -- currency, store, channel, country).
    column_mapping      jsonb NOT NULL CHECK (jsonb_typeof(column_mapping) = 'object'),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE upload_batches (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    uploaded_by         uuid NOT NULL REFERENCES users (id),
    vendor_key          text NOT NULL REFERENCES vendor_configs (vendor_key),
    file_name           text NOT NULL,
    row_count           integer NOT NULL CHECK (row_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upload_batches_uploaded_by ON upload_batches (uploaded_by);

CREATE TABLE sellout_entries2 (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    batch_id            uuid NOT NULL REFERENCES upload_batches (id) ON DELETE CASCADE,
    uploaded_by         uuid NOT NULL REFERENCES users (id),
    vendor_key          text NOT NULL REFERENCES vendor_configs (vendor_key),
    product_id          uuid REFERENCES products (id) ON DELETE SET NULL,
    ean                 text,
    sku                 text,
    product_name        text,
    period_start        date NOT NULL,
    period_end          date NOT NULL,
    period_label        text NOT NULL,
    -- Negative quantities and revenues are returns.
    quantity            numeric(14, 3) NOT NULL,
    revenue             numeric(14, 2) NOT NULL,
    currency            char(3) NOT NULL REFERENCES currency_codes (code),
    store               text,
    channel             text,
    country             char(2) CHECK (country ~ '^[A-Z]{2}$'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    CHECK (ean IS NOT NULL OR sku IS NOT NULL OR product_id IS NOT NULL)
);
CREATE INDEX sellout_entries2_batch ON sellout_entries2 (batch_id);
CREATE INDEX sellout_entries2_uploaded_by ON sellout_entries2 (uploaded_by);
CREATE INDEX sellout_entries2_vendor_period ON sellout_entries2 (vendor_key, period_start);
CREATE INDEX sellout_entries2_product ON sellout_entries2 (product_id);

CREATE TABLE ecommerce_orders (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_number        text NOT NULL,
    product_id          uuid REFERENCES products (id) ON DELETE SET NULL,
    quantity            numeric(14, 3) NOT NULL,
    amount              numeric(14, 2) NOT NULL,
    currency            char(3) NOT NULL REFERENCES currency_codes (code),
    ordered_at          timestamptz NOT NULL,
    customer_country    char(2) CHECK (customer_country ~ '^[A-Z]{2}$'),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ecommerce_orders_ordered_at ON ecommerce_orders (ordered_at);

CREATE TABLE conversation_history (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role                text NOT NULL CHECK (role IN ('user', 'assistant')),
    message             text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX conversation_history_user ON conversation_history (user_id, created_at);
