"""How the pages write times and messages."""

from desktop.formatting import format_time_left, format_timestamp, format_took, sentence


def test_a_model_files_time_reads_to_the_minute_in_local_time(monkeypatch):
    """The Models page showed "2026-11-28T07:50:47+00:00"."""
    import time

    monkeypatch.setenv("TZ", "XYZ-1")  # one hour east of UTC, in POSIX form (no time zone files needed)
    if hasattr(time, "tzset"):
        time.tzset()
    try:
        assert format_timestamp("2026-11-28T07:50:47+00:00") == "2026-11-28 08:50"
        assert format_timestamp("2026-11-28T07:50:47") == "2026-11-28 07:50"  # no zone: as written
        assert format_timestamp("") == "" and format_timestamp("yesterday") == "yesterday"
    finally:
        monkeypatch.undo()
        if hasattr(time, "tzset"):
            time.tzset()


def test_the_engines_fragments_become_sentences():
    assert sentence("few images (A: 2)") == "Few images (A: 2)."
    assert sentence("Done.") == "Done." and sentence("") == "" and sentence("Cancelling…") == "Cancelling…"


def test_the_time_left_reads_as_a_duration():
    """"ETA 18:55" read as a clock time too."""
    assert format_time_left(18 * 60 + 55) == "18:55 left" and format_time_left(3725) == "1:02:05 left"
    assert format_time_left(float("nan")) == format_time_left(float("inf")) == "time left not known yet"


def test_a_file_name_with_a_line_break_is_shown_on_one_line():
    from desktop.formatting import file_name_on_one_line
    from engine.cli import one_line

    assert file_name_on_one_line("/photos/new\nline.jpg") == "new↵line.jpg"
    assert one_line("/photos/new\nline.jpg") == "/photos/new\\nline.jpg"


def test_a_clause_after_a_colon_keeps_file_names_and_acronyms():
    """"Not converted: horse.pt is …" for Horse.pt, "cUDA out of memory" (a review)."""
    from desktop.formatting import clause

    assert clause("The input folder /x has no images.") == "the input folder /x has no images"
    assert clause("Horse.pt is not a readable model file") == "Horse.pt is not a readable model file"
    assert clause("CUDA out of memory") == "CUDA out of memory" and clause("  ") == ""


def test_a_side_name_on_one_line_drops_direction_controls():
    from desktop.formatting import domain_name

    assert domain_name("\u202eevil\nside") == "evil side"


def test_how_long_a_job_took_reads_as_words_when_short():
    """"5 converted in 0:00." read oddly of a quick conversion (a new-user pass)."""
    assert [format_took(s) for s in (0.4, 5.7, 59.9, 65, 3725)] == ["<1 s", "5 s", "59 s", "1:05", "1:02:05"]
