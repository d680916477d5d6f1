//! A routing plan compiled for its precomputed states: the text every state shares, with the
//! guarded parts and weights between, so the 2^N states of a routemap are written by running
//! one program instead of walking the plan 2^N times.

use super::{Mode, N, Writer};
use crate::plan::routing::{push_decimal, Guard, Tree};

/// Writes one plan at many states (a routemap holds 2^N of them). The plan is walked once,
/// into a program (`Op`s) that holds the text every state shares; a state runs it.
pub struct States {
    program: Vec<Op>,
    /// The last state's length: the next is about as long.
    last_len: usize,
}

/// A step of a compiled plan.
#[derive(Debug)]
pub(super) enum Op {
    /// Text every state that reaches it shares, with what JSON's escapes add to it
    /// (`json::escapes_len`), counted once here rather than per state.
    Text(String, usize),
    /// The state's shown weight of version i.
    Weight(usize),
    /// The first list when the guard holds on the state's raw weights, else the second.
    If(Guard, Vec<Op>, Vec<Op>),
}

impl States {
    pub fn new(plan: &Tree) -> Self {
        let mut w = Writer::new(1024, Mode::Compile);
        w.top(N::T(plan));
        w.flush();
        States { program: w.ops, last_len: 1024 }
    }

    /// The plan at one state's weights: the text the plan's value at those weights
    /// (`Tree::at`) is written as, and its length as a JSON string (`json::string_len` of it),
    /// counted while it is written.
    pub fn document(&mut self, weights: &[u32]) -> (String, usize) {
        let mut out = String::with_capacity(self.last_len + self.last_len / 8);
        let escapes = run(&self.program, weights, &mut out);
        self.last_len = out.len();
        let len = out.len() + 2 + escapes;
        (out, len)
    }
}

/// Runs a program into `out`; returns what JSON's escapes add to what it wrote (weights are
/// digits, which need none).
pub(super) fn run(ops: &[Op], w: &[u32], out: &mut String) -> usize {
    let mut escapes = 0;
    for op in ops {
        match op {
            Op::Text(text, extra) => {
                out.push_str(text);
                escapes += extra;
            }
            Op::Weight(i) => push_decimal(out, w.get(*i).map_or(0, |&x| x as usize)),
            Op::If(g, then, otherwise) => escapes += run(if g.eval(w) { then } else { otherwise }, w, out),
        }
    }
    escapes
}
