//! `releasegen diff` for a terminal: the summary, the events, each changed state's classes of
//! requests and the objects, coloured only when asked.

use super::*;

/// Colours for a terminal: on only when asked (stdout is a terminal and NO_COLOR is unset).
pub struct Colour(pub bool);

impl Colour {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
}

pub fn text(d: &Diff, colour: &Colour) -> String {
    let mut out = format!("releasegen diff: {}\n", terminal_safe(&d.head.name));
    out.push_str(&format!("  before: {}\n  after:  {}\n", terminal_safe(&side_line(&d.base)), terminal_safe(&side_line(&d.head))));
    out.push_str(&format!("{}\n", summary(d)));
    if !d.events.is_empty() {
        out.push_str("events:\n");
        for e in &d.events {
            out.push_str(&format!("  {}\n", terminal_safe(&e.line())));
        }
    }
    for Group { states, lines, .. } in groups(d) {
        out.push_str(&format!("\nready: {}\n", terminal_safe(&states_label(&states, d))));
        for (what, b, a) in lines {
            if b.is_empty() {
                out.push_str(&format!("  {}: {}\n", terminal_safe(&what), terminal_safe(&a)));
                continue;
            }
            out.push_str(&format!(
                "  {}: {} -> {}\n",
                terminal_safe(&what),
                colour.paint("31", &terminal_safe(&b)),
                colour.paint("32", &terminal_safe(&a))
            ));
        }
    }
    if !d.objects.is_empty() {
        out.push_str("\nobjects:\n");
        for o in &d.objects {
            let mark = match o.kind {
                "added" => colour.paint("32", "+"),
                "removed" => colour.paint("31", "-"),
                _ => "~".to_string(),
            };
            out.push_str(&format!("  {mark} {} ({})\n", terminal_safe(&o.object), o.kind));
            if o.kind == "changed" {
                for line in op_lines(&o.patch) {
                    out.push_str(&format!("      {}\n", terminal_safe(&line)));
                }
            }
        }
    }
    out
}
