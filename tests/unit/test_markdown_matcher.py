"""The small Markdown reader: sections under ATX headings and pipe tables, as learners write them."""

import textwrap

from o11y_course.matchers.markdown import Table, section, sections, split_row, tables

REPORT = textwrap.dedent(
    """\
    # Findings

    ## Setup

    A laptop.

    ```text
    ## not a heading: inside a fence
    ```

    ## Results ##

    ### Details

    | mode | ns/event |
    |---|---:|
    | plain | 31,200 |

    ## Conclusion
    Short.
    """
)


class TestSections:
    def test_level_two_sections_in_order(self):
        """Each level-2 heading gives one section; closing hashes are not part of the title."""
        assert [s.title for s in sections(REPORT)] == ["Setup", "Results", "Conclusion"]

    def test_fenced_code_hides_headings(self):
        """A heading-like line inside a fenced block belongs to the section's body."""
        setup = section(REPORT, "setup")
        assert setup is not None and "## not a heading" in setup.body

    def test_deeper_headings_stay_inside(self):
        """A level-3 heading does not end the level-2 section around it."""
        results = section(REPORT, "Results")
        assert results is not None and "### Details" in results.body and "31,200" in results.body
        assert results.line == 11

    def test_body_ends_at_the_next_section(self):
        """A section's body stops at the next heading of its level."""
        assert section(REPORT, "Conclusion").body == "Short."
        assert "Conclusion" not in section(REPORT, "Results").body

    def test_missing_section(self):
        """A title that no heading has gives None; other levels are not searched."""
        assert section(REPORT, "Findings") is None
        assert section(REPORT, "Findings", level=1) is not None


class TestTables:
    def test_reads_header_and_rows(self):
        """A header row, a delimiter row with alignment colons, then rows until a line without a pipe."""
        assert tables(REPORT) == [Table(("mode", "ns/event"), (("plain", "31,200"),))]

    def test_rows_without_outer_pipes_and_ragged_rows(self):
        """Outer pipes are optional; short rows are padded, long rows cut to the header's width."""
        text = "a | b | c\n--- | --- | ---\n1 | 2\n4 | 5 | 6 | 7\n\nafter | table"
        assert tables(text) == [Table(("a", "b", "c"), (("1", "2", ""), ("4", "5", "6")))]

    def test_escaped_pipe_stays_in_the_cell(self):
        """``\\|`` is a literal pipe, not a cell border."""
        assert split_row(r"| a \| b | c |") == ["a | b", "c"]

    def test_no_delimiter_no_table(self):
        """Pipes without a delimiter row below the header are plain text."""
        assert tables("| mode | ns |\n| plain | 3 |") == []

    def test_delimiter_must_match_the_header(self):
        """A delimiter row with another number of cells does not make a table."""
        assert tables("| a | b |\n|---|\n| 1 | 2 |") == []
