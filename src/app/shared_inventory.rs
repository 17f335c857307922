//! A shared inventory (`[org] source`): the snapshot a platform team publishes with `awsnav
//! export`, as a file (a repository checkout) or at an HTTPS URL, read instead of Organizations
//! by people who may not read the organization. Checked like the cache: its format, its size,
//! and its age.

use std::time::Duration;

use time::OffsetDateTime;

use crate::aws::{AwsError, http};
use crate::domain::inventory::{Inventory, age_text};
use crate::store::inventory_cache::{EXPORT_FORMAT, Undecodable, decode};

/// The largest shared inventory read: some 150,000 accounts.
pub const MAX_BYTES: usize = 32 << 20;

/// Where a shared inventory is and how old it may be.
#[derive(Clone, Debug)]
pub struct SharedSource {
    /// A path (`~/` is the home directory) or an `https://` URL.
    pub location: String,
    pub max_age: time::Duration,
    pub timeout: Duration,
    /// The config file, for errors.
    pub config_file: String,
}

impl SharedSource {
    /// Reads, checks and returns the shared inventory.
    ///
    /// # Errors
    /// [`AwsError::Source`] saying what is wrong: unreachable or missing, too large, damaged,
    /// of another format, or older than `max_age`.
    pub async fn read(&self, now: OffsetDateTime) -> Result<Inventory, AwsError> {
        let bytes = self.fetch().await?;
        let mut inventory = decode(&bytes).map_err(|e| {
            self.problem(match e {
                Undecodable::Corrupt(detail) => {
                    format!("it is not an awsnav inventory, or it is cut short ({detail})")
                }
                Undecodable::OtherFormat(found) if found > EXPORT_FORMAT => format!(
                    "it was written by a newer awsnav (format {found}; this one reads {EXPORT_FORMAT}): update awsnav"
                ),
                Undecodable::OtherFormat(found) => format!(
                    "it has format {found}, which this awsnav no longer reads (it reads {EXPORT_FORMAT}): export it again"
                ),
            })
        })?;
        if now - inventory.synced_at > self.max_age {
            return Err(self.problem(format!(
                "it was exported {}, longer ago than {} days ([org] source_max_age_days)",
                age_text(inventory.synced_at, now),
                self.max_age.whole_days()
            )));
        }
        // Whose read it was is the publisher's business; what it holds is what counts here.
        inventory.identity = None;
        inventory.org_error = None;
        Ok(inventory)
    }

    async fn fetch(&self) -> Result<Vec<u8>, AwsError> {
        let location = self.location.trim();
        if location.to_ascii_lowercase().starts_with("https://") {
            let answer = http::get(location, self.timeout, MAX_BYTES)
                .await
                .map_err(|e| {
                    self.problem(match e {
                        http::HttpError::TooLarge(limit) => {
                            format!("it is larger than {} MB", limit >> 20)
                        }
                        http::HttpError::Tls(detail) => format!("{detail}: {}", http::TLS_HINT),
                        other => other.to_string(),
                    })
                })?;
            if answer.status != 200 {
                return Err(self.problem(format!("the server answered HTTP {}", answer.status)));
            }
            return Ok(answer.body);
        }
        let path = crate::config::paths::expand_home(location);
        read_capped(&path, MAX_BYTES).map_err(|why| self.problem(why))
    }

    fn problem(&self, detail: String) -> AwsError {
        AwsError::Source {
            location: self.location.clone(),
            detail,
            config: self.config_file.clone(),
        }
    }
}

/// The bytes of the regular file at `path`, at most `max`: a shared inventory is someone
/// else's, and a link to `/dev/zero` or a FIFO in its place must neither fill memory nor
/// hang awsnav. Opened without blocking, checked to be a file, then read no further than
/// `max`.
fn read_capped(path: &std::path::Path, max: usize) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
    }
    let file = options.open(path).map_err(cannot)?;
    if !file.metadata().map_err(cannot)?.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    let mut bytes = Vec::new();
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > max {
        return Err(format!("it is larger than {} MB", max >> 20));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::inventory_cache::encode;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

    #[cfg(unix)]
    #[test]
    fn a_shared_file_in_place_of_an_inventory_neither_hangs_nor_fills_memory() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let err = read_capped(&zero, 1024).unwrap_err();
        assert!(err.contains("is not a regular file"), "{err}");
        let fifo = dir.path().join("fifo.json");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = read_capped(&fifo, 1024).unwrap_err();
        assert!(err.contains("is not a regular file"), "{err}");
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b'x'; 3 << 20]).unwrap();
        let err = read_capped(&big, 2 << 20).unwrap_err();
        assert!(err.contains("larger than 2 MB"), "{err}");
        std::fs::write(&big, b"{}").unwrap();
        assert_eq!(read_capped(&big, 2 << 20).unwrap(), b"{}");
    }

    fn source(dir: &std::path::Path) -> SharedSource {
        SharedSource {
            location: dir.join("shared.json").display().to_string(),
            max_age: time::Duration::days(30),
            timeout: Duration::from_secs(5),
            config_file: "config.toml".into(),
        }
    }

    #[tokio::test]
    async fn a_good_snapshot_reads_and_bad_ones_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());
        let path = dir.path().join("shared.json");
        let mut inv = crate::domain::demo::inventory(NOW - time::Duration::days(2));
        let good = encode(&inv).unwrap();
        std::fs::write(&path, &good).unwrap();
        let read = src.read(NOW).await.unwrap();
        assert_eq!(read.org, inv.org);
        assert!(read.identity.is_none());

        let err = |text: &str| text.to_owned();
        std::fs::write(&path, &good[..good.len() / 2]).unwrap();
        let e = err(&src.read(NOW).await.unwrap_err().to_string());
        assert!(e.contains("cut short") && e.contains("shared.json"), "{e}");

        std::fs::write(&path, br#"{"format": 99, "inventory": {}}"#).unwrap();
        let e = err(&src.read(NOW).await.unwrap_err().to_string());
        assert!(e.contains("newer awsnav"), "{e}");

        inv.synced_at = NOW - time::Duration::days(45);
        std::fs::write(&path, encode(&inv).unwrap()).unwrap();
        let e = err(&src.read(NOW).await.unwrap_err().to_string());
        assert!(
            e.contains("45 days ago") && e.contains("source_max_age_days"),
            "{e}"
        );

        let big = std::fs::File::create(&path).unwrap();
        big.set_len(u64::try_from(MAX_BYTES).unwrap() + 1).unwrap();
        let e = err(&src.read(NOW).await.unwrap_err().to_string());
        assert!(e.contains("larger than 32 MB"), "{e}");

        std::fs::remove_file(&path).unwrap();
        let e = err(&src.read(NOW).await.unwrap_err().to_string());
        assert!(e.contains("cannot read"), "{e}");
    }
}
