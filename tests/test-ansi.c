/* SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "chk-ansi.h"

/* What the parser handed on, as text with the style changes written in:
 * "{b fg=1}ERROR{}" for bold red ERROR, then the default style. */
typedef struct
{
  GString      *out;
  ChkAnsiStyle  last;
  gboolean      started;
} Collect;

static void
append_color (GString    *out,
              const char *name,
              guint32     color)
{
  if (color == CHK_ANSI_COLOR_DEFAULT)
    return;
  if (CHK_ANSI_COLOR_IS_PALETTE (color))
    g_string_append_printf (out, " %s=%u", name, CHK_ANSI_COLOR_INDEX (color));
  else
    g_string_append_printf (out, " %s=#%06x", name, color & 0xffffff);
}

static void
collect_cb (const char         *text,
            gsize               len,
            const ChkAnsiStyle *style,
            gpointer            user_data)
{
  Collect *collect = user_data;

  g_assert_cmpuint (len, >, 0);
  if (!collect->started ? (style->attributes != 0 || style->foreground != 0 || style->background != 0)
                        : memcmp (style, &collect->last, sizeof *style) != 0)
    {
      g_string_append_c (collect->out, '{');
      if (style->attributes & CHK_ANSI_BOLD)
        g_string_append (collect->out, "b");
      if (style->attributes & CHK_ANSI_DIM)
        g_string_append (collect->out, "d");
      if (style->attributes & CHK_ANSI_ITALIC)
        g_string_append (collect->out, "i");
      if (style->attributes & CHK_ANSI_UNDERLINE)
        g_string_append (collect->out, "u");
      if (style->attributes & CHK_ANSI_INVERSE)
        g_string_append (collect->out, "r");
      if (style->attributes & CHK_ANSI_STRIKETHROUGH)
        g_string_append (collect->out, "s");
      append_color (collect->out, "fg", style->foreground);
      append_color (collect->out, "bg", style->background);
      g_string_append_c (collect->out, '}');
    }
  collect->last = *style;
  collect->started = TRUE;
  g_string_append_len (collect->out, text, len);
}

/* Feeds @input in pieces of @piece bytes (all at once for 0). */
static char *
parse_pieces (const char         *input,
              gsize               piece,
              ChkAnsiParserFlags  flags)
{
  g_autoptr(ChkAnsiParser) parser = chk_ansi_parser_new (flags);
  Collect collect = { g_string_new (NULL), { 0 }, FALSE };
  gsize len = strlen (input);

  if (piece == 0)
    piece = MAX (len, 1);
  for (gsize at = 0; at < len; at += piece)
    chk_ansi_parser_feed (parser, input + at, MIN (piece, len - at), collect_cb, &collect);
  return g_string_free (collect.out, FALSE);
}

static char *
parse (const char *input)
{
  return parse_pieces (input, 0, CHK_ANSI_PARSER_DROP_CONTROLS);
}

/* What parse() makes of each input */
typedef struct
{
  const char *input;
  const char *expected;
} Case;

static void
assert_cases (const Case *cases,
              gsize       n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autofree char *out = parse (cases[i].input);
      g_autofree char *escaped = g_strescape (cases[i].input, NULL);

      g_test_message ("input: %s", escaped);
      g_assert_cmpstr (out, ==, cases[i].expected);
    }
}

/* The example: bold red ERROR, then back to normal */
static void
test_ansi_sgr_basic (void)
{
  g_autofree char *out = parse ("\033[1;31mERROR\033[0m: disk full\n");

  g_assert_cmpstr (out, ==, "{b fg=1}ERROR{}: disk full\n");
}

static void
test_ansi_sgr_codes (void)
{
  const Case cases[] = {
    /* "ESC [ m" is a reset, as "ESC [ 0 m" */
    { "\033[31mred\033[mplain", "{ fg=1}red{}plain" },
    { "\033[1mbold\033[22mnot", "{b}bold{}not" },
    { "\033[2;3;4;7;9mall\033[23;24;27;29mdim", "{diurs}all{d}dim" },
    { "\033[4:0mnone\033[4:3mcurly", "none{u}curly" },
    { "\033[92mbright\033[39mdefault", "{ fg=10}bright{}default" },
    { "\033[44mback\033[49mground", "{ bg=4}back{}ground" },
    { "\033[103mbright back", "{ bg=11}bright back" },
    { "\033[38;5;208morange", "{ fg=208}orange" },
    { "\033[48;5;22mgreen", "{ bg=22}green" },
    { "\033[38;2;255;128;0mtrue", "{ fg=#ff8000}true" },
    { "\033[38:2::255:128:0mtrue", "{ fg=#ff8000}true" },
    { "\033[38:2:255:128:0mtrue", "{ fg=#ff8000}true" },
    { "\033[38:5:99mcolon", "{ fg=99}colon" },
    /* After an extended colour, the next parameter counts again */
    { "\033[38;5;1;1mboth", "{b fg=1}both" },
    { "\033[38;2;1;2;3;4munder", "{u fg=#010203}under" },
    /* Out of range: ignored */
    { "\033[38;5;300mx", "x" },
    { "\033[38;2;1;2;999mx", "x" },
    /* Cut short: nothing */
    { "\033[38;5mx", "x" },
    /* Unknown codes: ignored; blink is nothing a log shows */
    { "\033[5;1;73mx", "{b}x" },
    /* Private SGR (xterm modifyOtherKeys): not colours */
    { "\033[>4;1mx", "x" },
    /* Huge numbers do not overflow into something */
    { "\033[99999999999999999999mx", "x" },
  };

  assert_cases (cases, G_N_ELEMENTS (cases));
}

/* Every other sequence goes, its text stays */
static void
test_ansi_strip_others (void)
{
  const Case cases[] = {
    /* Cursor moves, erasing */
    { "50%\033[K\r\033[2K\033[1A100%", "50%\r100%" },
    { "\033[?25lhidden cursor\033[?25h", "hidden cursor" },
    /* A window title (OSC ended by BEL, and by ST) */
    { "\033]0;title\007text", "text" },
    { "\033]2;title\033\\text", "text" },
    /* A hyperlink keeps its words */
    { "\033]8;;https://example.org\033\\link\033]8;;\033\\ end", "link end" },
    /* Device control, privacy message, application program command */
    { "a\033P1$r0m\033\\b\033^pm\033\\c\033_apc\033\\d", "abcd" },
    /* Character sets and single escapes */
    { "\033(Bplain\033)0\033=\0337\0338", "plain" },
    /* ESC ESC: the first one was alone */
    { "\033\033[1mx", "{b}x" },
    /* A control character breaks a sequence off and counts itself */
    { "\033[1\nnext", "\nnext" },
    { "\033\ttab", "\ttab" },
    /* CAN cancels */
    { "\033[31\030x", "x" },
    /* Bell, backspace, NUL and DEL: dropped from a view; tab, CR and LF kept */
    { "ding\007 back\b\177\ttab\r\n", "ding back\ttab\r\n" },
    /* UTF-8 passes as bytes */
    { "\033[32m✓ café\033[0m", "{ fg=2}✓ café" },
  };

  assert_cases (cases, G_N_ELEMENTS (cases));
}

/* Output comes in chunks cut anywhere: a sequence goes on in the next one. */
static void
test_ansi_split (void)
{
  const char *input = "\033[1;31mERROR\033[0m \033]0;t\033\\x\033[38;2;1;2;3my\033[mz\033(B!";
  g_autofree char *whole = parse (input);

  g_assert_cmpstr (whole, ==, "{b fg=1}ERROR{} x{ fg=#010203}y{}z!");
  for (gsize piece = 1; piece < strlen (input); piece++)
    {
      g_autofree char *out = parse_pieces (input, piece, CHK_ANSI_PARSER_DROP_CONTROLS);

      g_test_message ("pieces of %" G_GSIZE_FORMAT, piece);
      g_assert_cmpstr (out, ==, whole);
    }
}

/* Garbage that never ends is not allowed to eat the output. */
static void
test_ansi_limits (void)
{
  g_autoptr(GString) input = g_string_new ("\033]0;");
  g_autofree char *out = NULL;
  g_autofree char *csi = NULL;
  g_autoptr(GString) long_csi = g_string_new ("\033[");

  for (guint i = 0; i < 5000; i++)
    g_string_append_c (input, 'x');
  g_string_append (input, "\nvisible");
  out = parse (input->str);
  g_assert_true (g_str_has_suffix (out, "\nvisible"));
  g_assert_cmpuint (strlen (out), <, 5000);

  for (guint i = 0; i < 300; i++)
    g_string_append_c (long_csi, '1');
  g_string_append (long_csi, "mtext");
  csi = parse (long_csi->str);
  g_assert_true (g_str_has_suffix (csi, "text"));
  g_assert_null (strchr (csi, '{'));
}

/* Reset: the style and a sequence under way are forgotten */
static void
test_ansi_reset (void)
{
  g_autoptr(ChkAnsiParser) parser = chk_ansi_parser_new (CHK_ANSI_PARSER_NONE);
  Collect collect = { g_string_new (NULL), { 0 }, FALSE };
  g_autofree char *out = NULL;

  chk_ansi_parser_feed (parser, "\033[1mbold\033[3", 11, collect_cb, &collect);
  g_assert_true (chk_ansi_parser_get_style (parser)->attributes & CHK_ANSI_BOLD);
  chk_ansi_parser_reset (parser);
  g_assert_cmpint (chk_ansi_parser_get_style (parser)->attributes, ==, 0);
  chk_ansi_parser_feed (parser, "1mplain", 7, collect_cb, &collect);
  out = g_string_free (collect.out, FALSE);
  g_assert_cmpstr (out, ==, "{b}bold{}1mplain");
}

/* What chronikerctl log writes to a file or a pipe: every byte but the sequences */
static void
test_ansi_strip (void)
{
  const char input[] = "\033[1;31mERROR\033[0m\tnul:\0:bell\007\r\n\033]0;t\007end\033[";
  g_autofree char *out = NULL;
  gsize len = 0;

  out = chk_ansi_strip (input, sizeof input - 1, &len);
  g_assert_cmpmem (out, len, "ERROR\tnul:\0:bell\007\r\nend", 22);
  g_free (out);

  out = chk_ansi_strip ("plain", -1, NULL);
  g_assert_cmpstr (out, ==, "plain");
}

static void
test_ansi_palette (void)
{
  guint8 r, g, b;

  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_PALETTE (1), &r, &g, &b);
  g_assert_cmpuint (r, >, 0x80);
  g_assert_cmpuint (g, ==, 0);
  g_assert_cmpuint (b, ==, 0);
  /* The 6×6×6 cube */
  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_PALETTE (16), &r, &g, &b);
  g_assert_cmpuint (r | g | b, ==, 0);
  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_PALETTE (196), &r, &g, &b);
  g_assert_cmpuint (r, ==, 0xff);
  g_assert_cmpuint (g, ==, 0);
  g_assert_cmpuint (b, ==, 0);
  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_PALETTE (208), &r, &g, &b);
  g_assert_cmpuint (r, ==, 0xff);
  g_assert_cmpuint (g, ==, 0x87);
  g_assert_cmpuint (b, ==, 0);
  /* The greys */
  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_PALETTE (232), &r, &g, &b);
  g_assert_cmpuint (r, ==, 8);
  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_PALETTE (255), &r, &g, &b);
  g_assert_cmpuint (r, ==, 238);
  g_assert_cmpuint (g, ==, 238);
  chk_ansi_color_to_rgb (CHK_ANSI_COLOR_RGB (1, 2, 3), &r, &g, &b);
  g_assert_cmpuint (r, ==, 1);
  g_assert_cmpuint (g, ==, 2);
  g_assert_cmpuint (b, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ansi/sgr/basic", test_ansi_sgr_basic);
  g_test_add_func ("/ansi/sgr/codes", test_ansi_sgr_codes);
  g_test_add_func ("/ansi/strip-others", test_ansi_strip_others);
  g_test_add_func ("/ansi/split", test_ansi_split);
  g_test_add_func ("/ansi/limits", test_ansi_limits);
  g_test_add_func ("/ansi/reset", test_ansi_reset);
  g_test_add_func ("/ansi/strip", test_ansi_strip);
  g_test_add_func ("/ansi/palette", test_ansi_palette);

  return g_test_run ();
}
