//! `releasegen diff --output markdown`: the comment for a pull request, with the states that
//! matter first and the rest folded, within what GitHub takes in a comment.

use super::*;

/// Text for Markdown: as it is where it cannot be markup (names, shares, our own words), else
/// as a code span, in which GitHub and GitLab draw no emphasis, link, HTML or strikethrough. A
/// code span's fence is one backtick longer than any run of them in the text; in a table a pipe
/// is escaped, which GitHub's tables allow inside a code span. Line breaks become spaces.
fn md(s: &str, in_table: bool) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let plain = |c: char| c.is_ascii_alphanumeric() || " ,.:;'%()/-{}".contains(c);
    if s.chars().all(plain) && !s.to_ascii_lowercase().contains("www.") && !s.contains("://") {
        return s;
    }
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let body = if in_table { s.replace('|', "\\|") } else { s };
    let pad = if body.starts_with('`') || body.ends_with('`') || body.starts_with(' ') { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

pub fn markdown(d: &Diff) -> String {
    let mut out = format!("### releasegen diff: {}\n\n{}.\n\n", md(&d.head.name, false), summary(d));
    out.push_str(&format!("- before: {}\n- after: {}\n", md(&side_line(&d.base), false), md(&side_line(&d.head), false)));
    if !d.events.is_empty() {
        out.push_str("\n**Events**\n\n");
        for e in &d.events {
            out.push_str(&format!("- {}\n", md(&e.line(), false)));
        }
    }
    // The states that matter first (every version ready, then the primary alone), in full;
    // the others folded, within the budget.
    let mut groups = groups(d);
    groups.sort_by_key(|g| g.priority);
    let folded = groups.iter().filter(|g| g.priority == OTHER_STATES).count();
    for g in groups.iter().filter(|g| g.priority != OTHER_STATES) {
        out.push_str(&group_markdown(d, g));
    }
    let objects = objects_markdown(d);
    if folded > 0 {
        let n: usize = groups.iter().filter(|g| g.priority == OTHER_STATES).map(|g| g.states.len()).sum();
        out.push_str(&format!("\n<details><summary>{n} other {} change</summary>\n", if n == 1 { "state" } else { "states" }));
        let mut left = folded;
        for g in groups.iter().filter(|g| g.priority == OTHER_STATES) {
            let section = group_markdown(d, g);
            if out.len() + section.len() + objects.len() + RESERVE > MARKDOWN_BUDGET {
                break;
            }
            out.push_str(&section);
            left -= 1;
        }
        if left > 0 {
            out.push_str(&format!("\n{left} more {} of states left out to keep this comment within GitHub's size; `releasegen diff --output json` lists every state.\n", if left == 1 { "group" } else { "groups" }));
        }
        out.push_str("\n</details>\n");
    }
    out.push_str(&objects);
    out
}

/// The most a comment may hold, in bytes: GitHub refuses a comment of more than 65,536
/// characters; what is left is for the objects and the closing lines.
const MARKDOWN_BUDGET: usize = 60_000;

/// Room kept for the lines written after the folded states.
const RESERVE: usize = 400;

/// One group of states: its table of changes, and where traffic moved, its chart.
fn group_markdown(d: &Diff, g: &Group) -> String {
    let mut out = format!("\n#### Ready: {}\n\n| traffic | before | after |\n|---|---|---|\n", md(&states_label(&g.states, d), false));
    for (what, b, a) in &g.lines {
        out.push_str(&format!("| {} | {} | {} |\n", md(what, true), md(b, true), md(a, true)));
    }
    if g.first.before.moves(&g.first.after) {
        out.push_str(&chart(d, g.first, g.states.len() > 1));
    }
    out
}

/// The objects that differ, folded; operations beyond the budget are counted, not listed.
fn objects_markdown(d: &Diff) -> String {
    if d.objects.is_empty() {
        return String::new();
    }
    let n = d.objects.len();
    let mut out = format!("\n<details><summary>{n} {}</summary>\n\n", if n == 1 { "object differs" } else { "objects differ" });
    let mut left = 0;
    for o in &d.objects {
        let mut item = format!("- {} {}\n", md(&o.object, false), o.kind);
        if o.kind == "changed" {
            for line in op_lines(&o.patch) {
                item.push_str(&format!("  - {}\n", md(&line, false)));
            }
        }
        if out.len() + item.len() > MARKDOWN_BUDGET / 4 {
            left += 1;
            continue;
        }
        out.push_str(&item);
    }
    if left > 0 {
        out.push_str(&format!("- and {left} more; `releasegen diff --output json` lists every change\n"));
    }
    out.push_str("\n</details>\n");
    out
}

/// A Mermaid flowchart of one state's routing before and after, side by side: one node for the
/// requests and one per version of that side (dashed and red when not ready in the state), an
/// arrow for each rule's share and a dotted one for each mirror. With several states in the
/// group, the first is drawn and the title says so.
fn chart(d: &Diff, c: &StateChange, of_several: bool) -> String {
    let ready = ready_label(&c.ready);
    let which = if of_several { format!("ready: {ready}, the first of these states") } else { format!("ready: {ready}") };
    let mut out = String::from("\n```mermaid\nflowchart LR\n");
    out.push_str("  classDef ready stroke:#2a7d2a,stroke-width:2px\n");
    out.push_str("  classDef unready stroke:#c0392b,stroke-width:2px,stroke-dasharray:5 5,color:#c0392b\n");
    for (id, title, side, t) in [("b", "before", &d.base, &c.before), ("a", "after", &d.head, &c.after)] {
        out.push_str(&format!("  subgraph {id} [\"{}\"]\n    direction LR\n", mermaid_text(&format!("{title} ({which})"))));
        out.push_str(&format!("    {id}_in([\"requests to {}\"])\n", mermaid_text(&side.name)));
        for (i, v) in side.versions.iter().enumerate() {
            let (label, class) = if c.ready.contains(v) { (v.clone(), "ready") } else { (format!("{v} (not ready)"), "unready") };
            out.push_str(&format!("    {id}_v{i}[\"{}\"]:::{class}\n", mermaid_text(&label)));
        }
        let index_of = |name: &str| side.versions.iter().position(|v| v == name);
        for (class, reach) in &t.0 {
            let prefix = format!("{class}: ");
            let arrows = crate::review::states::Arrows { to: &reach.to, mirrored: &reach.mirrored, mirror_prefix: &prefix };
            arrows.write(&mut out, id, class, index_of);
        }
        out.push_str("  end\n");
    }
    // An invisible link puts "before" first (left of "after").
    out.push_str("  b ~~~ a\n```\n");
    out
}
