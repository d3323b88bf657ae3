//! Text in columns: the cells of the human output and the aligned tables made of them.
//!
//! Written here rather than taken from a table crate: the tables are plain columns, as
//! `kubectl get` prints them (no borders, no wrapping), which is a few lines of padding.

use anstyle::{AnsiColor, Style};

/// A piece of text in the human output, with its style (none, bold, a colour).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cell {
    text: String,
    style: Style,
}

impl Cell {
    /// Text without style.
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            style: Style::new(),
        }
    }

    /// Text in `style`.
    pub(crate) fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell {
            text: text.into(),
            style,
        }
    }

    /// A state of a correlation or instance, coloured by what it means.
    pub(crate) fn state(state: &str) -> Self {
        let style = match state {
            "running" => PENDING,
            "finished" => GOOD,
            "error" => BAD,
            _ => Style::new(),
        };
        Cell::styled(state, style)
    }

    /// An optional value: the text, or `-` for none.
    pub(crate) fn or_dash(text: Option<&str>) -> Self {
        Cell::plain(text.unwrap_or("-"))
    }

    /// The text's width in columns (one per character: names and ids are mostly ASCII).
    pub(crate) fn width(&self) -> usize {
        self.text.chars().count()
    }

    /// The text with its style's escape codes (which the output stream strips when colours
    /// are off).
    pub(crate) fn render(&self) -> String {
        if self.style == Style::new() {
            self.text.clone()
        } else {
            format!(
                "{}{}{}",
                self.style.render(),
                self.text,
                self.style.render_reset()
            )
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::plain(text)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::plain(text)
    }
}

/// The style of headers and field names.
pub(crate) const HEADER: Style = Style::new().bold();
/// What went well: finished, deployed, done.
pub(crate) const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
/// What failed.
pub(crate) const BAD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
/// What is still going on: running, waiting.
pub(crate) const PENDING: Style =
    Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// Rows under headers, each column as wide as its widest cell, two spaces apart; no trailing
/// spaces. Ends with a line break.
pub(crate) fn render(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let header_cells: Vec<Cell> = headers
        .iter()
        .map(|header| Cell::styled(*header, HEADER))
        .collect();
    let mut widths: Vec<usize> = header_cells.iter().map(Cell::width).collect();
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            match widths.get_mut(column) {
                Some(width) => *width = (*width).max(cell.width()),
                None => widths.push(cell.width()),
            }
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header_cells).chain(rows) {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column > 0 {
                line.push_str("  ");
            }
            line.push_str(&cell.render());
            let last = column + 1 == row.len();
            if !last {
                let width = widths.get(column).copied().unwrap_or_default();
                line.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.width())));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `text` cut to `max` characters, with `…` at the end when something was cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_on_their_widest_cell() {
        let rows = vec![
            vec![Cell::plain("hello_world"), Cell::plain("the_start_event")],
            vec![Cell::plain("a"), Cell::plain("b")],
        ];
        let text = render(&["ID", "START EVENTS"], &rows);
        let plain: String = anstream::adapter::strip_str(&text).to_string();
        assert_eq!(
            plain,
            "ID           START EVENTS\nhello_world  the_start_event\na            b\n"
        );
    }

    #[test]
    fn styles_do_not_count_towards_the_width() {
        let rows = vec![
            vec![Cell::state("running"), Cell::plain("x")],
            vec![Cell::plain("finished"), Cell::plain("y")],
        ];
        let text = render(&["STATE", "ID"], &rows);
        let plain = anstream::adapter::strip_str(&text).to_string();
        assert_eq!(plain, "STATE     ID\nrunning   x\nfinished  y\n");
        assert!(text.contains("\u{1b}["), "the state is coloured: {text:?}");
    }

    #[test]
    fn long_text_is_shortened_with_an_ellipsis() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
