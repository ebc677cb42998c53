//! A log kept in memory as it is written: an in-process mock's, or a gateway's stdout and
//! stderr, for the scenarios that read it and for the last lines of a process that failed.

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.lock()).into_owned()
    }

    /// The last `n` non-blank lines, for an error message.
    pub fn tail(&self, n: usize) -> String {
        let text = self.text();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let start = lines.len().saturating_sub(n);
        match &lines[start..] {
            [] => "(no output)".to_owned(),
            tail => tail.join("\n"),
        }
    }

    pub fn append(&self, data: &[u8]) {
        self.lock().extend_from_slice(data);
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Write for LogCapture {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.append(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_non_blank_lines() {
        let log = LogCapture::default();
        assert_eq!(log.tail(2), "(no output)");
        log.append(b"one\n\ntwo\nthree\n\n");
        assert_eq!(log.tail(2), "two\nthree");
        assert_eq!(log.tail(10), "one\ntwo\nthree");
    }
}
