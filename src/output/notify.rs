//! The confirmation mail of `run --notify ADDR`, sent through `sendmail -t`
//! (or the command named by MKIMPORT_SENDMAIL). A failed send is a warning,
//! never a failed import.

use std::io::Write;
use std::process::{Command, Stdio};

use super::table::summary_line;
use crate::plan::{Action, Plan, Status};

/// The environment variable that names another mail command.
pub const SENDMAIL_VAR: &str = "MKIMPORT_SENDMAIL";

/// How long the mail command may take before it is stopped (the run holds
/// the target's lock meanwhile).
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// An RFC 5322 message confirming the import.
pub fn message(to: &str, plan: &Plan, target_name: &str, import_id: &str) -> String {
    let imported: Vec<&str> = plan
        .programs
        .iter()
        .filter(|p| p.status == Status::Ok)
        .filter_map(|p| p.imported_as.as_deref())
        .collect();
    let subject = match imported.as_slice() {
        [one] => format!("mkimport: imported \"{one}\" into {target_name}"),
        many => format!(
            "mkimport: imported {} programs into {target_name}",
            many.len()
        ),
    };
    let mut body = String::new();
    body.push_str(&format!(
        "Import {import_id} into {target_name} is done.\n\n"
    ));
    body.push_str(&summary_line(plan));
    body.push_str("\n\n");
    for program in &plan.programs {
        let status = match program.status {
            Status::Ok => "imported",
            Status::Blocked => "blocked",
            Status::Unchanged => "unchanged",
            Status::Skipped => "skipped",
        };
        body.push_str(&format!(
            "- {} ({status})\n",
            program.imported_as.as_deref().unwrap_or(&program.name)
        ));
    }
    let todo: Vec<String> = plan
        .programs
        .iter()
        .filter(|p| p.status == Status::Ok)
        .flat_map(|p| {
            let program = p.imported_as.clone().unwrap_or_else(|| p.name.clone());
            p.assets.iter().filter_map(move |a| match a.action {
                Action::Deactivate => Some(format!(
                    "- {program}: reactivate trigger campaign \"{}\"",
                    a.name
                )),
                Action::Unschedule => Some(format!(
                    "- {program}: reschedule batch campaign \"{}\"",
                    a.name
                )),
                _ => None,
            })
        })
        .collect();
    if !todo.is_empty() {
        body.push_str("\nTo do after review:\n");
        for line in todo {
            body.push_str(&line);
            body.push('\n');
        }
    }
    let body = body.replace('\n', "\r\n");
    format!(
        "To: {}\r\nFrom: mkimport <mkimport@localhost>\r\nSubject: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}",
        header_safe(to),
        header_safe(&subject)
    )
}

fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

/// Hand the message to the mail command. Err holds the warning's text.
pub fn send(message: &str) -> Result<(), String> {
    let configured = std::env::var(SENDMAIL_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let command_line = configured.unwrap_or_else(|| "sendmail".to_string());
    let mut parts = command_line.split_whitespace();
    let program = parts.next().unwrap_or("sendmail");
    let mut child = Command::new(program)
        .args(parts)
        .arg("-t")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start `{command_line} -t`: {e}"))?;
    // Feed the message from a thread, so a command that does not read it
    // cannot block us past the timeout.
    if let Some(mut stdin) = child.stdin.take() {
        let message = message.as_bytes().to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&message);
        });
    }
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > SEND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{command_line} -t` did not finish within {} s and was stopped",
                    SEND_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => return Err(format!("`{command_line} -t` failed: {e}")),
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{command_line} -t` exited with {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_injection_is_neutralised() {
        assert_eq!(header_safe("a\r\nBcc: x"), "a  Bcc: x");
    }
}
