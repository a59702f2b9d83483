//! The confirmation mail of `run --notify ADDR`, built with lettre and sent
//! through `sendmail -t` (or the command named by MKIMPORT_SENDMAIL). A
//! failed send is a warning, never a failed import; a run that imported
//! nothing sends no mail.

use std::io::Write;
use std::process::{Command, Stdio};

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, Message};

use super::table::summary_line;
use crate::plan::{Action, Plan, Status};

/// The environment variable that names another mail command.
pub const SENDMAIL_VAR: &str = "MKIMPORT_SENDMAIL";

/// How long the mail command may take before it is stopped (the run holds
/// the target's lock meanwhile).
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The sender of the confirmation.
const FROM: &str = "mkimport <mkimport@localhost>";

/// An RFC 5322 message confirming the import, built with lettre: `Date:`,
/// `Message-ID:`, the subject encoded (RFC 2047) when it is not ASCII, the
/// body as UTF-8 text.
pub fn message(to: &Mailbox, plan: &Plan, target_name: &str, import_id: &str) -> Vec<u8> {
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
            Status::Failed => "failed, removed again",
        };
        body.push_str(&format!(
            "- {} ({status})\n",
            program.imported_as.as_deref().unwrap_or(&program.name)
        ));
    }
    // What to do by hand, per program, in lines short enough for a mail.
    for program in plan.programs.iter().filter(|p| p.status == Status::Ok) {
        let todo: Vec<String> = program
            .assets
            .iter()
            .filter_map(|a| match a.action {
                Action::Deactivate => Some(format!("- reactivate trigger campaign \"{}\"", a.name)),
                Action::Unschedule => Some(format!("- reschedule batch campaign \"{}\"", a.name)),
                _ => None,
            })
            .collect();
        if !todo.is_empty() {
            let name = program.imported_as.as_deref().unwrap_or(&program.name);
            body.push_str(&format!("\nTo do after review in \"{name}\":\n"));
            for line in todo {
                body.push_str(&line);
                body.push('\n');
            }
        }
    }
    let from: Mailbox = FROM.parse().expect("a valid sender");
    let built = Message::builder()
        .from(from)
        .to(to.clone())
        // Names come from bundles: no line breaks in a header.
        .subject(subject.replace(['\r', '\n'], " "))
        .date_now()
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(text_body(body.replace('\n', "\r\n")));
    match built {
        Ok(message) => message.formatted(),
        // Cannot happen: a sender and a recipient are set.
        Err(e) => format!("Subject: mkimport\r\n\r\n{e}\r\n").into_bytes(),
    }
}

/// The body as 8-bit UTF-8 text, readable as it is; quoted-printable only
/// if a line were too long for 8 bits.
fn text_body(text: String) -> Body {
    Body::new_with_encoding(text, ContentTransferEncoding::EightBit).unwrap_or_else(Body::new)
}

/// The mail command: MKIMPORT_SENDMAIL split as a shell would (a quoted
/// path may hold spaces), else `sendmail`; `-t` is added when sending.
pub fn command_line() -> Result<Vec<String>, String> {
    let configured = std::env::var(SENDMAIL_VAR)
        .ok()
        .filter(|s| !s.trim().is_empty());
    let Some(line) = configured else {
        return Ok(vec!["sendmail".to_string()]);
    };
    match shell_words::split(&line) {
        Ok(words) if !words.is_empty() => Ok(words),
        Ok(_) => Ok(vec!["sendmail".to_string()]),
        Err(e) => Err(format!(
            "{SENDMAIL_VAR}={line:?} cannot be split into words: {e}"
        )),
    }
}

/// Hand the message to the mail command. Err holds the warning's text.
pub fn send(message: &[u8]) -> Result<(), String> {
    let words = command_line()?;
    let command_line = shell_words::join(&words);
    let mut child = Command::new(&words[0])
        .args(&words[1..])
        .arg("-t")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start `{command_line} -t`: {e}"))?;
    // Feed the message from a thread, so a command that does not read it
    // cannot block us past the timeout.
    if let Some(mut stdin) = child.stdin.take() {
        let message = message.to_vec();
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
