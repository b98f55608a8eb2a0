//! Another site: a page served from `https://127.0.0.2` on a port of its own (another origin and
//! another site than the server's `127.0.0.1`), as a page a person was lured to would be. It
//! serves a few fixed pages that aim at the server's API; nothing else. On https as the server
//! is (`tls`): a secure page, as an attacker's would be, and no mixed content to block.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct Elsewhere {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Elsewhere {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Elsewhere {
    /// Serves the pages that aim at the server at `api` (its `https://127.0.0.1:PORT`).
    pub async fn start(api: &str) -> Elsewhere {
        let listener = TcpListener::bind("127.0.0.2:0").await.unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let api = api.to_owned();
        let acceptor = crate::tls::acceptor();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (api, acceptor) = (api.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let Ok(mut stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 8192];
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    let request = String::from_utf8_lossy(&buf[..n]);
                    let path = request.split_whitespace().nth(1).unwrap_or("/");
                    let (status, body) = match page(path, &api) {
                        Some(body) => ("200 OK", body),
                        None => ("404 Not Found", String::new()),
                    };
                    let answer = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Elsewhere { url, task }
    }
}

/// The pages. Each one writes what it saw into its title, for the test to read.
fn page(path: &str, api: &str) -> Option<String> {
    let body = match path {
        // A form posted as the page opens: a top-level navigation to the API, the kind of
        // request `SameSite=Lax` cookies would still go with.
        "/form" => format!(
            "<form id=f method=post action=\"{api}/api/v1/logout\" enctype=text/plain>\
             <input name=a value=b></form>\
             <script>document.getElementById('f').submit()</script>"
        ),
        // Script asking for the API with the person's credentials: sign-out, and a sign-in
        // (login CSRF), each a simple request that goes without a preflight (`no-cors`).
        "/fetch" => format!(
            "<script>
             const post = (path, body) => fetch('{api}' + path, {{method: 'POST', mode: 'no-cors',
               credentials: 'include', headers: {{'content-type': 'text/plain'}}, body}});
             Promise.allSettled([
               post('/api/v1/logout', ''),
               post('/api/v1/login', JSON.stringify({{email: 'parent@acorns.example', password: 'x'}})),
               fetch('{api}/api/v1/me', {{credentials: 'include'}}),
             ]).then(r => {{ document.title = 'done ' + r.map(x => x.status).join(' '); }});
             </script>"
        ),
        // The UI in a frame, next to a page of this site's own that may be framed.
        "/frame" => format!(
            "<iframe id=ui src=\"{api}/\" width=400 height=300></iframe>\
             <iframe id=control src=\"/framed\" width=400 height=300></iframe>"
        ),
        "/framed" => "<p id=framed>a frame that may be shown</p>".to_owned(),
        _ => return None,
    };
    Some(format!(
        "<!doctype html><html><head><title>elsewhere</title></head><body>{body}</body></html>"
    ))
}
