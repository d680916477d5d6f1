//! A routing plan as the Go template the Iter8 controller executes: guarded parts become
//! `{{- if … }}` … `{{- end }}` lines and weights `{{ index .Weights i }}`.

use super::{Mode, N, Writer};
use crate::plan::routing::{push_decimal, Guard, Tree};

/// The Go template source of a routing plan.
pub fn template(t: &Tree) -> String {
    let mut w = Writer::new(4096, Mode::Template);
    w.top(N::T(t));
    w.out
}

/// A guard as a Go template pipeline (`and`, `or`, `not`, `gt` and `index` are builtins of
/// both `text/template` and `html/template`), written onto `out`.
pub(super) fn go_expr(out: &mut String, g: &Guard) {
    let (word, parts) = match g {
        Guard::Always => return out.push_str("true"),
        Guard::Never => return out.push_str("false"),
        Guard::Ready(i) => {
            out.push_str("gt (index .Weights ");
            push_decimal(out, *i);
            return out.push_str(") 0");
        }
        Guard::Not(inner) => ("not", std::slice::from_ref(&**inner)),
        Guard::All(gs) => ("and", gs.as_slice()),
        Guard::Any(gs) => ("or", gs.as_slice()),
        Guard::Several(ix) => return several_expr(out, ix),
    };
    out.push_str(word);
    for part in parts {
        let bare = matches!(part, Guard::Always | Guard::Never);
        out.push_str(if bare { " " } else { " (" });
        go_expr(out, part);
        if !bare {
            out.push(')');
        }
    }
}

/// `Several` as Go's template builtins say it: `or` over every pair of the versions, each
/// `and (gt (index .Weights i) 0) (gt (index .Weights j) 0)`, written without building the
/// N²/2 guards (a unit test holds it equal to `go_expr` of `Guard::pairs`, the definition).
pub(super) fn several_expr(out: &mut String, ix: &[usize]) {
    let ready = |out: &mut String, i: usize| {
        out.push_str("(gt (index .Weights ");
        push_decimal(out, i);
        out.push_str(") 0)");
    };
    let pairs = ix.len() * ix.len().saturating_sub(1) / 2;
    if pairs > 1 {
        out.push_str("or");
    }
    for (k, &i) in ix.iter().enumerate() {
        for &j in &ix[k + 1..] {
            out.push_str(if pairs > 1 { " (and " } else { "and " });
            ready(out, i);
            out.push(' ');
            ready(out, j);
            if pairs > 1 {
                out.push(')');
            }
        }
    }
    if pairs == 0 {
        out.push_str("false");
    }
}
