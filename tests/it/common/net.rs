//! What sits between awsnav and AWS in a company network, on loopback: a throwaway CA known
//! only to the tests, an HTTPS front that terminates TLS with a certificate from it and relays
//! to a plain-HTTP server (moto, a fault server), and a forward proxy that counts what goes
//! through it (CONNECT tunnels and plain-HTTP requests).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio_rustls::rustls;

/// A certificate authority made for one test, and a server certificate it signed for
/// `localhost` and `127.0.0.1`.
pub struct ThrowawayCa {
    pub dir: tempfile::TempDir,
    /// The CA certificate in PEM: what `SSL_CERT_FILE` points at.
    pub ca_file: PathBuf,
    server: Arc<rustls::ServerConfig>,
}

impl ThrowawayCa {
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "awsnav throwaway test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().unwrap();
        let leaf_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf.der().clone()], key)
            .unwrap();
        Self {
            dir,
            ca_file,
            server: Arc::new(server),
        }
    }

    /// A directory holding only the CA certificate: what `SSL_CERT_DIR` points at.
    pub fn ca_dir(&self) -> PathBuf {
        let dir = self.dir.path().join("certs");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&self.ca_file, dir.join("awsnav-test-ca.pem")).unwrap();
        dir
    }

    /// An HTTPS front on a free loopback port that relays every connection to `upstream`
    /// (`http://127.0.0.1:PORT`). Its URL uses the host name `localhost`.
    pub fn https_front(&self, upstream: &str) -> HttpsFront {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(self.server.clone());
        let handshakes = Arc::new(Mutex::new(0usize));
        let counted = handshakes.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    let acceptor = acceptor.clone();
                    let upstream = upstream.clone();
                    let counted = counted.clone();
                    tokio::spawn(async move {
                        // A client that does not trust the CA hangs up in the handshake.
                        let Ok(mut tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        *counted.lock().unwrap() += 1;
                        let Ok(mut plain) = tokio::net::TcpStream::connect(&upstream).await else {
                            return;
                        };
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    });
                }
            });
        });
        HttpsFront {
            url: format!("https://localhost:{port}"),
            port,
            handshakes,
        }
    }
}

/// A TLS-terminating relay started by [`ThrowawayCa::https_front`].
pub struct HttpsFront {
    pub url: String,
    pub port: u16,
    handshakes: Arc<Mutex<usize>>,
}

impl HttpsFront {
    /// TLS handshakes that completed (a client that trusted the certificate).
    pub fn handshakes(&self) -> usize {
        *self.handshakes.lock().unwrap()
    }
}

/// What went through a [`ForwardProxy`].
#[derive(Clone, Debug, Default)]
pub struct ProxyLog {
    /// `host:port` of every CONNECT tunnel, in order.
    pub tunnels: Vec<String>,
    /// The absolute URL of every plain-HTTP request line forwarded.
    pub forwarded: Vec<String>,
}

/// A forward proxy on loopback: CONNECT opens a counted tunnel; a plain-HTTP request with an
/// absolute URL is forwarded to its host, and the connection relayed from then on.
pub struct ForwardProxy {
    pub url: String,
    log: Arc<Mutex<ProxyLog>>,
}

impl ForwardProxy {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<ProxyLog>> = Arc::default();
        let shared = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let log = shared.clone();
                std::thread::spawn(move || serve(stream, &log));
            }
        });
        Self { url, log }
    }

    pub fn log(&self) -> ProxyLog {
        self.log.lock().unwrap().clone()
    }

    /// Tunnels opened to `authority` (`localhost:PORT`).
    pub fn tunnels_to(&self, authority: &str) -> usize {
        self.log()
            .tunnels
            .iter()
            .filter(|t| *t == authority)
            .count()
    }
}

fn serve(client: TcpStream, log: &Mutex<ProxyLog>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let mut parts = head[0].split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return;
    };
    let mut client = client;
    if method == "CONNECT" {
        log.lock().unwrap().tunnels.push(target.to_owned());
        let Ok(upstream) = TcpStream::connect(resolve(target)) else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        relay(reader, client, upstream, &[]);
        return;
    }
    let Some(rest) = target.strip_prefix("http://") else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    log.lock().unwrap().forwarded.push(target.to_owned());
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Ok(upstream) = TcpStream::connect(resolve(authority)) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        return;
    };
    // The first request in origin form; later ones on a kept-alive connection are relayed as
    // they come (the servers behind it take absolute URLs too).
    let mut first = format!(
        "{method} {} {}",
        if path.is_empty() { "/" } else { path },
        head[0].split_whitespace().nth(2).unwrap_or("HTTP/1.1")
    )
    .into_bytes();
    first.extend_from_slice(b"\r\n");
    for line in &head[1..] {
        if !line.to_ascii_lowercase().starts_with("proxy-") {
            first.extend_from_slice(line.as_bytes());
        }
    }
    relay(reader, client, upstream, &first);
}

/// `localhost:PORT` → `127.0.0.1:PORT`, so nothing depends on how the machine resolves it.
fn resolve(authority: &str) -> String {
    authority.replacen("localhost:", "127.0.0.1:", 1)
}

/// Copies both ways until either side closes; `first` goes upstream before the client's bytes.
fn relay(mut reader: BufReader<TcpStream>, client: TcpStream, upstream: TcpStream, first: &[u8]) {
    let mut up = upstream.try_clone().unwrap();
    if up.write_all(first).is_err() {
        return;
    }
    // Bytes the head reader had already taken from the client.
    let buffered = reader.buffer().to_vec();
    if up.write_all(&buffered).is_err() {
        return;
    }
    reader.consume(buffered.len());
    let mut down = client;
    let mut from_upstream = upstream;
    let back = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_upstream, &mut down);
        let _ = down.shutdown(std::net::Shutdown::Write);
    });
    let mut buf = [0u8; 16 * 1024];
    loop {
        match reader.get_mut().read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if up.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = up.shutdown(std::net::Shutdown::Write);
    let _ = back.join();
}

/// The CA's file path as text, for an environment variable.
pub fn display(path: &Path) -> String {
    path.display().to_string()
}
