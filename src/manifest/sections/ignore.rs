//! `ignore = ["properties.template.containers[name=api].image"]` on a resource: paths another
//! tool owns. Checked here (each path's syntax, at its place in the file) and kept by address
//! for the renderer; `plan::ignore` applies them.

use super::super::diagnostic::code;
use super::super::reader::Section;
use super::Ctx;

/// The section's `ignore` list, each path checked; `None` when absent.
pub(crate) fn read(s: &Section<'_>, ctx: &mut Ctx<'_>) -> Option<Vec<String>> {
    let list = s.str_list("ignore", ctx.d)?;
    let mut out = Vec::with_capacity(list.len());
    for (path, span) in list {
        match crate::plan::ignore::parse(&path) {
            Ok(_) => out.push(path),
            Err(why) => ctx.d.error(
                code::INVALID_VALUE,
                Some(span),
                format!("ignore path `{path}` {why}"),
                Some("write keys separated by `.`, with `[N]` or `[FIELD=VALUE]` for an array element: `properties.template.containers[name=api].image`".into()),
            ),
        }
    }
    Some(out)
}
