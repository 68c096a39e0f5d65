//! The store's connections: an r2d2 pool of [`Conn`]s made by [`Manager`].
//! Each connection is set up once when made (the schema as its search
//! path, the lock timeout) and carries its own prepared statements, so a
//! statement is parsed and planned once per connection, not once per call.
//! A connection whose state is unknown (a rollback that failed, a lock that
//! could not be released) is marked broken and the pool drops it instead
//! of handing it out again.

use std::collections::HashMap;

use postgres::{Client, Config, NoTls, Statement};

/// One pooled connection.
pub(crate) struct Conn {
    /// The client.
    pub(crate) client: Client,
    /// Prepared statements, by their SQL (every statement of the adapter is
    /// a `&'static str`).
    statements: HashMap<&'static str, Statement>,
    /// True when the connection must not be reused.
    pub(crate) broken: bool,
}

impl Conn {
    /// A connection made with `config` and set up by `setup` (SQL run once).
    pub(crate) fn connect(config: &Config, setup: &str) -> Result<Conn, postgres::Error> {
        let mut client = config.connect(NoTls)?;
        client.batch_execute(setup)?;
        Ok(Conn {
            client,
            statements: HashMap::new(),
            broken: false,
        })
    }

    /// The prepared statement of `sql`, prepared on first use.
    pub(crate) fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }
}

/// Makes, checks and drops the pool's connections.
pub(crate) struct Manager {
    /// Where and as whom to connect.
    pub(crate) config: Config,
    /// SQL run on every new connection (search path, lock timeout).
    pub(crate) setup: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Conn::connect(&self.config, &self.setup)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        // An empty query: one round trip, no transaction, no plan.
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}
