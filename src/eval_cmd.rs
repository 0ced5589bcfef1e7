//! `tactus eval`: send code to a running session and print its answer.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use tactus::eval_socket::client::{self, ClientError};

/// Send the code (or the file's text, `-` for stdin) to the session whose
/// socket is `socket`: 0 when it ran, 1 on a script error, 2 when no
/// session is reached.
pub fn run(code: Option<String>, file: Option<&Path>, socket: &str) -> ExitCode {
    let code = match (code, file) {
        (Some(c), _) => c,
        (None, Some(f)) => match read(f) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("tactus eval: error: {e}");
                return ExitCode::from(2);
            }
        },
        (None, None) => String::new(),
    };
    match client::send(socket, &code) {
        Ok(answer) if answer.ok => {
            if !answer.text.is_empty() {
                println!("{}", answer.text);
            }
            ExitCode::SUCCESS
        }
        Ok(answer) => {
            eprintln!("{}", answer.text);
            ExitCode::from(1)
        }
        Err(e @ ClientError::TooLarge(_)) => {
            eprintln!("tactus eval: error: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("tactus eval: {e}");
            ExitCode::from(2)
        }
    }
}

/// The text of `file`, or of standard input for `-`.
fn read(file: &Path) -> Result<String, String> {
    if file == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("reading standard input: {e}"))?;
        return Ok(s);
    }
    std::fs::read_to_string(file).map_err(|e| format!("{}: cannot read: {e}", file.display()))
}
