//! The log: plain lines for people (`log_format = "text"`, the default) or one JSON object a
//! line for collectors (`"json"`). Either way it says what happened, never to whom: no
//! password, code, token or email is ever a field (docs/operating.md, "Logs").

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// What is logged unless `RUST_LOG` says otherwise.
const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_http=info";

/// Installs the process's log, to standard error (standard output is for what a command
/// prints). Once per process; a second call changes nothing.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => fmt.try_init(),
        // `timestamp`, `level`, `target`, the event's fields (`message` among them) at the
        // top, and the request's span (`request_id`, `method`, `route`) under `span`.
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
