//! `casekit-python-stubgen <built _native library> <output .pyi>`: writes the type stub
//! of `casekit._native` from the introspection data that pyo3 (feature
//! `experimental-inspect`) embeds in the library. `bindings-python/scripts/test.sh` runs
//! it on the library it has just installed and fails when the committed stub differs.
//!
//! `pyo3_introspection` writes the stub; this only adds what it does not do:
//! - annotations written as text (`#[pyo3(signature = (x: "typing.Any"))]`, and those of
//!   `src/introspection.rs`) are parsed into expressions, so the stub imports what they use;
//! - in a class with a member named like a builtin (`Book.list`), that builtin is written
//!   as its `typing` alias, because in the class body the member's name shadows it;
//! - a header says the file is generated.

use anyhow::{bail, ensure, Context, Result};
use pyo3_introspection::model::{Argument, Class, Constant, Expr, Function, Operator};
use pyo3_introspection::{introspect_cdylib, module_stub_files};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::{env, fs};

const MODULE: &str = "_native";

const HEADER: &str = "\
# Generated from the built casekit._native by bindings-python/stubgen (pyo3 introspection
# data): do not edit. Change bindings-python/src, then regenerate with
#   CASEKIT_BLESS=1 bash bindings-python/scripts/test.sh
";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("casekit-python-stubgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    let [library, output] = args.as_slice() else {
        bail!("usage: casekit-python-stubgen <built _native library> <output .pyi>");
    };
    let mut module = introspect_cdylib(library, MODULE).with_context(|| format!("introspecting {library}"))?;
    // An incomplete module would get a catch-all `__getattr__` and no `__all__`.
    ensure!(
        !module.incomplete,
        "pyo3 does not know every member of {MODULE}: export each one with #[pymodule_export], \
         give #[pymodule_init] no module argument, and describe exceptions (src/introspection.rs)"
    );
    let locals: BTreeSet<String> = module
        .classes
        .iter()
        .map(|c| c.name.clone())
        .chain(module.functions.iter().map(|f| f.name.clone()))
        .chain(module.attributes.iter().map(|a| a.name.clone()))
        .collect();
    let mut resolve = |e: &mut Expr| parse_text_annotation(e, &locals);
    for attribute in &mut module.attributes {
        attribute.annotation.iter_mut().try_for_each(&mut resolve)?;
    }
    for function in &mut module.functions {
        visit_function(function, &mut resolve)?;
    }
    for class in &mut module.classes {
        visit_class(class, &mut resolve)?;
        unshadow_builtins(class)?;
    }
    let mut files = module_stub_files(&module);
    let stub = files.remove(Path::new("__init__.pyi")).context("pyo3_introspection wrote no __init__.pyi")?;
    ensure!(files.is_empty(), "{MODULE} has submodules; this generator writes one file");
    fs::write(output, format!("{HEADER}{stub}")).with_context(|| format!("writing {output}"))?;
    Ok(())
}

/// Calls `f` on every type expression of a class: bases, attributes, methods, inner classes.
fn visit_class(class: &mut Class, f: &mut impl FnMut(&mut Expr) -> Result<()>) -> Result<()> {
    class.bases.iter_mut().try_for_each(&mut *f)?;
    for attribute in &mut class.attributes {
        attribute.annotation.iter_mut().try_for_each(&mut *f)?;
    }
    for method in &mut class.methods {
        visit_function(method, f)?;
    }
    class.inner_classes.iter_mut().try_for_each(|c| visit_class(c, f))
}

/// Calls `f` on every type expression of a function: its parameters' and its return type.
fn visit_function(function: &mut Function, f: &mut impl FnMut(&mut Expr) -> Result<()>) -> Result<()> {
    let args = &mut function.arguments;
    let fixed =
        args.positional_only_arguments.iter_mut().chain(&mut args.arguments).chain(&mut args.keyword_only_arguments);
    fixed.filter_map(|a: &mut Argument| a.annotation.as_mut()).try_for_each(&mut *f)?;
    let variable = args.vararg.iter_mut().chain(&mut args.kwarg);
    variable.filter_map(|a| a.annotation.as_mut()).try_for_each(&mut *f)?;
    function.returns.iter_mut().try_for_each(f)
}

/// Replaces an annotation written as text with the expression it spells.
fn parse_text_annotation(expr: &mut Expr, locals: &BTreeSet<String>) -> Result<()> {
    if let Expr::Constant { value: Constant::Str(text) } = expr {
        let parsed =
            Parser::new(text, locals).and_then(|p| p.parse()).with_context(|| format!("the annotation {text:?}"))?;
        *expr = parsed;
    }
    Ok(())
}

/// In a class body, a member named like a builtin shadows it for type checkers (mypy:
/// `Function "Book.list" is not valid as a type`); use the builtin's `typing` alias there.
fn unshadow_builtins(class: &mut Class) -> Result<()> {
    let members: BTreeSet<String> = class
        .methods
        .iter()
        .map(|m| m.name.clone())
        .chain(class.attributes.iter().map(|a| a.name.clone()))
        .chain(class.inner_classes.iter().map(|c| c.name.clone()))
        .collect();
    let name = class.name.clone();
    visit_class(class, &mut |e| unshadow(e, &members, &name))
}

fn unshadow(expr: &mut Expr, members: &BTreeSet<String>, class: &str) -> Result<()> {
    match expr {
        Expr::Name { id } if members.contains(id.as_str()) => {
            let alias = match id.as_str() {
                "list" => "List",
                "dict" => "Dict",
                "set" => "Set",
                "frozenset" => "FrozenSet",
                "tuple" => "Tuple",
                "type" => "Type",
                _ => bail!("class {class}: its member `{id}` shadows the builtin `{id}` in its annotations; rename it"),
            };
            *expr = attribute("typing", alias);
        }
        // `module.name` is written `name`, imported from the module.
        Expr::Attribute { attr, .. } if members.contains(attr.as_str()) => {
            bail!("class {class}: its member `{attr}` shadows the type `{attr}` in its annotations; rename it")
        }
        Expr::Name { .. } | Expr::Constant { .. } | Expr::Attribute { .. } => {}
        Expr::BinOp { left, right, .. } => {
            unshadow(left, members, class)?;
            unshadow(right, members, class)?;
        }
        Expr::Subscript { value, slice } => {
            unshadow(value, members, class)?;
            unshadow(slice, members, class)?;
        }
        Expr::Tuple { elts } | Expr::List { elts } => {
            elts.iter_mut().try_for_each(|e| unshadow(e, members, class))?;
        }
    }
    Ok(())
}

fn attribute(module: &str, name: &str) -> Expr {
    Expr::Attribute { value: Box::new(Expr::Name { id: module.into() }), attr: name.into() }
}

#[derive(Debug, PartialEq)]
enum Token {
    Name(String),
    Str(String),
    Punct(char),
    Ellipsis,
}

/// The type expressions written in annotations: `a.b.C`, `X[Y, Z]`, `X | Y`, `[X, Y]`
/// (for `Callable`), `None`, `...` and string literals (for `Literal`). A dotted name is
/// an attribute of a module (`collections.abc.Mapping`: `from collections.abc import
/// Mapping`); a plain name is one of the module's own (`Actor`) or a builtin (`str`).
struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    locals: &'a BTreeSet<String>,
}

impl<'a> Parser<'a> {
    fn new(text: &str, locals: &'a BTreeSet<String>) -> Result<Self> {
        let mut tokens = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                c if c.is_whitespace() => {}
                c if c.is_alphanumeric() || c == '_' => {
                    let mut name = c.to_string();
                    while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                        name.push(c);
                        chars.next();
                    }
                    tokens.push(Token::Name(name));
                }
                '.' if chars.peek() == Some(&'.') => {
                    ensure!(chars.next() == Some('.') && chars.next() == Some('.'), "`..` is not an expression");
                    tokens.push(Token::Ellipsis);
                }
                '"' | '\'' => {
                    let mut text = String::new();
                    loop {
                        match chars.next() {
                            Some(d) if d == c => break,
                            Some('\\') => bail!("escapes in string literals are not supported"),
                            Some(d) => text.push(d),
                            None => bail!("unterminated string literal"),
                        }
                    }
                    tokens.push(Token::Str(text));
                }
                '.' | '[' | ']' | ',' | '|' => tokens.push(Token::Punct(c)),
                c => bail!("unexpected {c:?}"),
            }
        }
        Ok(Parser { tokens, at: 0, locals })
    }

    fn parse(mut self) -> Result<Expr> {
        let expr = self.union()?;
        ensure!(self.at == self.tokens.len(), "unexpected {:?}", self.tokens[self.at]);
        Ok(expr)
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.tokens.get(self.at) == Some(&Token::Punct(c));
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, c: char) -> Result<()> {
        ensure!(self.eat(c), "expected `{c}`");
        Ok(())
    }

    fn union(&mut self) -> Result<Expr> {
        let mut expr = self.primary()?;
        while self.eat('|') {
            let right = self.primary()?;
            expr = Expr::BinOp { left: Box::new(expr), op: Operator::BitOr, right: Box::new(right) };
        }
        Ok(expr)
    }

    /// Comma-separated expressions up to (and including) `close`.
    fn elements(&mut self, close: char) -> Result<Vec<Expr>> {
        let mut elts = Vec::new();
        while !self.eat(close) {
            if !elts.is_empty() {
                self.expect(',')?;
            }
            elts.push(self.union()?);
        }
        Ok(elts)
    }

    fn primary(&mut self) -> Result<Expr> {
        let mut expr = self.atom()?;
        while self.eat('[') {
            let mut elts = self.elements(']')?;
            ensure!(!elts.is_empty(), "empty subscript");
            let slice = if elts.len() == 1 { elts.remove(0) } else { Expr::Tuple { elts } };
            expr = Expr::Subscript { value: Box::new(expr), slice: Box::new(slice) };
        }
        Ok(expr)
    }

    fn atom(&mut self) -> Result<Expr> {
        let Some(token) = self.tokens.get(self.at) else { bail!("unexpected end") };
        self.at += 1;
        Ok(match token {
            Token::Ellipsis => Expr::Constant { value: Constant::Ellipsis },
            Token::Str(s) => Expr::Constant { value: Constant::Str(s.clone()) },
            Token::Punct('[') => Expr::List { elts: self.elements(']')? },
            Token::Punct(c) => bail!("unexpected `{c}`"),
            Token::Name(first) => {
                let mut path = vec![first.clone()];
                while self.eat('.') {
                    match self.tokens.get(self.at) {
                        Some(Token::Name(part)) => path.push(part.clone()),
                        _ => bail!("expected a name after `.`"),
                    }
                    self.at += 1;
                }
                match path.split_last() {
                    Some((name, [])) if name == "None" => Expr::Constant { value: Constant::None },
                    Some((name, [])) if self.locals.contains(name) => attribute(MODULE, name),
                    Some((name, [])) => Expr::Name { id: name.clone() },
                    Some((name, module)) => attribute(&module.join("."), name),
                    None => bail!("expected a name"),
                }
            }
        })
    }
}
