//! A routing plan compiled for its precomputed states: the text every state shares, with the
//! guarded parts and weights between, so the 2^N states of a routemap are written by running
//! one program instead of walking the plan 2^N times.

use super::{Mode, N, Writer};
use crate::plan::routing::{push_decimal, Guard, Tree, Weights};

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
    Text(String),
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
    /// (`Tree::at`) is written as.
    pub fn document(&mut self, weights: &Weights) -> String {
        let mut out = String::with_capacity(self.last_len + self.last_len / 8);
        run(&self.program, weights, &mut out);
        self.last_len = out.len();
        out
    }
}

pub(super) fn run(ops: &[Op], w: &Weights, out: &mut String) {
    for op in ops {
        match op {
            Op::Text(text) => out.push_str(text),
            Op::Weight(i) => push_decimal(out, w.shown.get(*i).map_or(0, |&x| x as usize)),
            Op::If(g, then, otherwise) => run(if g.eval(&w.raw) { then } else { otherwise }, w, out),
        }
    }
}
