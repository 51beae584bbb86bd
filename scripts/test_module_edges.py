#!/usr/bin/env python3
"""Tests of scripts/module-edges' parser, on tiny made-up crates.

Run: python3 scripts/test_module_edges.py, or python3 -m unittest scripts/test_module_edges.py
"""
import importlib.machinery
import importlib.util
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no scripts/__pycache__ from loading module-edges
_loader = importlib.machinery.SourceFileLoader(
    "module_edges", str(Path(__file__).resolve().parent / "module-edges")
)
_spec = importlib.util.spec_from_loader("module_edges", _loader)
me = importlib.util.module_from_spec(_spec)
_loader.exec_module(me)

LIB = """
mod a;
pub mod b;
mod c;
mod d;
pub use b::{Thing, Other as Renamed};
pub use c::deep::Item;
pub use async_trait::async_trait;
/// Not a module: crate::d
pub type Alias = Box<dyn std::error::Error>;
"""


def edges_of(files, lib=LIB):
    """collect() on a crate made of `files` ({path under src: text}): (edges, errors)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp)
        (src / "lib.rs").write_text(lib)
        for name in ("b.rs", "c.rs", "d.rs"):
            (src / name).write_text("")
        for path, text in files.items():
            (src / path).parent.mkdir(parents=True, exist_ok=True)
            (src / path).write_text(text)
        edges, errors, _ = me.collect(src)
    return {edge: count for edge, (count, _) in edges.items()}, errors


class Parser(unittest.TestCase):
    def test_nested_brace_groups(self):
        edges, errors = edges_of({"a.rs": "use crate::{\n    b::X,\n    c::{Y, z::{W, V}},\n    d,\n};\n"})
        self.assertEqual(errors, [])
        self.assertEqual(edges, {("a", "b"): 1, ("a", "c"): 1, ("a", "d"): 1})

    def test_comments_doc_comments_and_strings_are_not_code(self):
        text = (
            "//! Uses [`crate::b`].\n"
            "/// See crate::c::X.\n"
            "// use crate::d;\n"
            "/* crate::b /* nested crate::c */ crate::d */\n"
            'const S: &str = "see crate::b here";\n'
            "const C: char = '{';\n"
            "fn f<'x>(v: &'x u8) {}\n"
            "use crate::d::Z;\n"
        )
        edges, errors = edges_of({"a.rs": text})
        self.assertEqual(errors, [])
        self.assertEqual(edges, {("a", "d"): 1})

    def test_names_re_exported_at_the_root(self):
        text = (
            "use crate::{Thing, Alias};\n"
            "fn f() { crate::Renamed::new(); let _: crate::Item; }\n"
            "#[crate::async_trait]\nimpl T for U {}\n"
        )
        edges, errors = edges_of({"a.rs": text})
        self.assertEqual(errors, [])
        self.assertEqual(edges, {("a", "b"): 2, ("a", "c"): 1})

    def test_super_at_a_module_root_is_the_crate_root(self):
        files = {
            "a/mod.rs": "mod inner;\nuse super::b::X;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
            "a/inner.rs": "use super::Y;\nuse super::super::d::Z;\n",
        }
        edges, errors = edges_of(files)
        self.assertEqual(errors, [])
        self.assertEqual(edges, {("a", "b"): 1, ("a", "d"): 1})

    def test_an_unknown_name_is_an_error(self):
        edges, errors = edges_of({"a.rs": "use crate::b::X;\n\nfn f() { crate::Nowhere::new() }\n"})
        self.assertEqual(edges, {("a", "b"): 1})
        self.assertEqual(len(errors), 1)
        self.assertIn("a.rs:3", errors[0])
        self.assertIn("crate::Nowhere", errors[0])


class AllowedList(unittest.TestCase):
    def test_format(self):
        allowed, errors = me.read_allowed("# header\n\na -> b  # why\nc->d\nnonsense\n")
        self.assertEqual(set(allowed), {("a", "b"), ("c", "d")})
        self.assertEqual(len(errors), 1)
        self.assertIn(":5:", errors[0])

    def test_a_cycle_is_found(self):
        allowed, _ = me.read_allowed("a -> b\nb -> c  # why\nc -> a\nc -> d\n")
        components = me.strongly_connected(allowed)
        self.assertEqual(components, [["a", "b", "c"]])
        self.assertEqual(me.a_cycle(allowed, components[0]), ["a", "b", "c", "a"])
        self.assertEqual(me.strongly_connected({("a", "b"): 1, ("b", "c"): 2}), [])


if __name__ == "__main__":
    unittest.main()
