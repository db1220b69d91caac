//! Form fields that keep what was typed and show their error beside them.

use std::collections::HashMap;

use maud::{Markup, html};

use crate::i18n::Tr;

/// Field name → message key of the problem with it.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(HashMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.0.entry(field).or_insert(message_key);
    }
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// (field, message key) pairs, by field name.
    pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<_> = self.0.iter().map(|(f, k)| (*f, *k)).collect();
        v.sort_unstable();
        v
    }
}

pub struct Input<'a> {
    pub name: &'static str,
    pub label_key: &'static str,
    pub value: &'a str,
    pub kind: &'static str,
    pub required: bool,
    pub autocomplete: Option<&'static str>,
}

impl<'a> Input<'a> {
    pub fn text(name: &'static str, label_key: &'static str, value: &'a str) -> Self {
        Input {
            name,
            label_key,
            value,
            kind: "text",
            required: true,
            autocomplete: None,
        }
    }
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
    pub fn autocomplete(mut self, value: &'static str) -> Self {
        self.autocomplete = Some(value);
        self
    }
}

pub fn input(tr: Tr, field: Input<'_>, errors: &FieldErrors) -> Markup {
    let error = errors.get(field.name);
    let id = format!("f-{}", field.name);
    let err_id = format!("{id}-error");
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (tr.t(field.label_key)) }
            // Passwords are never sent back into the page.
            @let value = if field.kind == "password" { "" } else { field.value };
            input id=(id) name=(field.name) type=(field.kind) value=(value)
                required[field.required] autocomplete=[field.autocomplete]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| err_id.as_str())];
            @if let Some(key) = error {
                p.field-error id=(err_id) { (tr.t(key)) }
            }
        }
    }
}

/// A `<select>` whose options are (value, label) pairs.
pub fn select(
    tr: Tr,
    name: &'static str,
    label_key: &'static str,
    options: &[(String, String)],
    selected: &str,
    errors: &FieldErrors,
) -> Markup {
    let error = errors.get(name);
    let id = format!("f-{name}");
    html! {
        div.field.has-error[error.is_some()] {
            label for=(id) { (tr.t(label_key)) }
            select id=(id) name=(name) aria-invalid=[error.map(|_| "true")] {
                @for (value, label) in options {
                    option value=(value) selected[value == selected] { (label) }
                }
            }
            @if let Some(key) = error {
                p.field-error { (tr.t(key)) }
            }
        }
    }
}

/// A summary above a form that failed, so the reader knows to look for the fields.
pub fn error_summary(tr: Tr, errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.flash.flash-error role="alert" { (tr.t("form.has_errors")) }
        }
    }
}
