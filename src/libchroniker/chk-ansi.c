/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-ansi"

#include "config.h"

#include <string.h>

#include "chk-ansi.h"

/* A sequence longer than these is garbage, not a sequence: what was read of
 * it is dropped and the bytes after it are text again. */
#define MAX_CSI_BYTES     256
#define MAX_STRING_BYTES  4096
#define MAX_SGR_PARAMS    32
#define MAX_SUBPARAMS     8

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define DEL 0x7f

typedef enum
{
  STATE_GROUND,
  STATE_ESCAPE,               /* after ESC */
  STATE_ESCAPE_INTERMEDIATE,  /* ESC, then 0x20-0x2f (character sets, …) */
  STATE_CSI,                  /* ESC [ */
  STATE_STRING,               /* OSC, DCS, SOS, PM, APC: up to BEL or ST */
  STATE_STRING_ESCAPE,        /* an ESC inside a string: ST if "\" follows */
} State;

/**
 * ChkAnsiParser:
 *
 * Reads terminal output as it comes, in pieces cut anywhere: hands on the
 * text with the style that SGR sequences ("ESC [ 1 ; 31 m") gave it, and
 * drops every other escape sequence (cursor moves, erasing, titles and
 * hyperlinks, character sets, device strings). A sequence cut by the end of
 * one piece goes on in the next one.
 */
struct _ChkAnsiParser
{
  ChkAnsiParserFlags flags;
  State              state;
  ChkAnsiStyle       style;
  char               csi[MAX_CSI_BYTES];
  gsize              csi_len;
  gsize              string_len;
};

typedef struct
{
  int  values[MAX_SUBPARAMS];  /* -1 where empty */
  guint n_values;
} SgrParam;

static void
style_reset (ChkAnsiStyle *style)
{
  style->attributes = 0;
  style->foreground = CHK_ANSI_COLOR_DEFAULT;
  style->background = CHK_ANSI_COLOR_DEFAULT;
}

static int
param_value (const SgrParam *param,
             guint           index)
{
  if (index >= param->n_values || param->values[index] < 0)
    return 0;
  return param->values[index];
}

static gboolean
color_byte (int     value,
            guint8 *out)
{
  if (value < 0 || value > 255)
    return FALSE;
  *out = (guint8) value;
  return TRUE;
}

/* 38/48 (and 58, the underline's, read and ignored): "5;N" or "2;R;G;B", as
 * parameters of their own or as sub-parameters ("38:2::R:G:B"). Returns how
 * many parameters after @index it used. */
static guint
extended_color (const SgrParam *params,
                guint           n_params,
                guint           index,
                guint32        *out_color,
                gboolean       *out_valid)
{
  const SgrParam *param = &params[index];
  guint8 r, g, b, i;

  *out_valid = FALSE;

  if (param->n_values > 1)
    {
      int kind = param_value (param, 1);

      if (kind == 5 && color_byte (param_value (param, 2), &i))
        {
          *out_color = CHK_ANSI_COLOR_PALETTE (i);
          *out_valid = param->n_values >= 3;
        }
      else if (kind == 2)
        {
          /* With the colour space id (ITU T.416) or without it */
          guint first = param->n_values >= 6 ? 3 : 2;

          if (param->n_values >= first + 3 &&
              color_byte (param_value (param, first), &r) &&
              color_byte (param_value (param, first + 1), &g) &&
              color_byte (param_value (param, first + 2), &b))
            {
              *out_color = CHK_ANSI_COLOR_RGB (r, g, b);
              *out_valid = TRUE;
            }
        }
      return 0;
    }

  if (index + 1 >= n_params)
    return 0;

  switch (param_value (&params[index + 1], 0))
    {
    case 5:
      if (index + 2 >= n_params)
        return n_params - index - 1;
      if (color_byte (param_value (&params[index + 2], 0), &i))
        {
          *out_color = CHK_ANSI_COLOR_PALETTE (i);
          *out_valid = TRUE;
        }
      return 2;

    case 2:
      if (index + 4 >= n_params)
        return n_params - index - 1;
      if (color_byte (param_value (&params[index + 2], 0), &r) &&
          color_byte (param_value (&params[index + 3], 0), &g) &&
          color_byte (param_value (&params[index + 4], 0), &b))
        {
          *out_color = CHK_ANSI_COLOR_RGB (r, g, b);
          *out_valid = TRUE;
        }
      return 4;

    default:
      return 1;
    }
}

static void
apply_sgr (ChkAnsiStyle *style,
           const char   *text,
           gsize         len)
{
  SgrParam params[MAX_SGR_PARAMS];
  guint n_params = 0;
  SgrParam *param;

  /* Private (xterm's "CSI > 4 m") or with intermediates: not colours */
  if (len > 0 && (text[0] == '<' || text[0] == '=' || text[0] == '>' || text[0] == '?'))
    return;
  for (gsize k = 0; k < len; k++)
    if (!g_ascii_isdigit (text[k]) && text[k] != ';' && text[k] != ':')
      return;

  param = &params[n_params++];
  param->n_values = 1;
  param->values[0] = -1;
  for (gsize k = 0; k < len; k++)
    {
      char c = text[k];

      if (c == ';')
        {
          if (n_params == MAX_SGR_PARAMS)
            break;
          param = &params[n_params++];
          param->n_values = 1;
          param->values[0] = -1;
        }
      else if (c == ':')
        {
          if (param->n_values < MAX_SUBPARAMS)
            param->values[param->n_values++] = -1;
        }
      else
        {
          int *value = &param->values[param->n_values - 1];

          /* Large numbers stay large, without overflowing */
          *value = MIN ((*value < 0 ? 0 : *value) * 10 + (c - '0'), 100000);
        }
    }

  for (guint k = 0; k < n_params; k++)
    {
      int code = param_value (&params[k], 0);
      guint32 color = CHK_ANSI_COLOR_DEFAULT;
      gboolean valid = FALSE;

      switch (code)
        {
        case 0:
          style_reset (style);
          break;
        case 1:
          style->attributes |= CHK_ANSI_BOLD;
          break;
        case 2:
          style->attributes |= CHK_ANSI_DIM;
          break;
        case 3:
          style->attributes |= CHK_ANSI_ITALIC;
          break;
        case 4:
          /* "4:0" is no underline; "4:3" a curly one, still an underline */
          if (params[k].n_values > 1 && param_value (&params[k], 1) == 0)
            style->attributes &= ~CHK_ANSI_UNDERLINE;
          else
            style->attributes |= CHK_ANSI_UNDERLINE;
          break;
        case 7:
          style->attributes |= CHK_ANSI_INVERSE;
          break;
        case 9:
          style->attributes |= CHK_ANSI_STRIKETHROUGH;
          break;
        case 21:  /* double underline (ECMA-48) */
          style->attributes |= CHK_ANSI_UNDERLINE;
          break;
        case 22:
          style->attributes &= ~(CHK_ANSI_BOLD | CHK_ANSI_DIM);
          break;
        case 23:
          style->attributes &= ~CHK_ANSI_ITALIC;
          break;
        case 24:
          style->attributes &= ~CHK_ANSI_UNDERLINE;
          break;
        case 27:
          style->attributes &= ~CHK_ANSI_INVERSE;
          break;
        case 29:
          style->attributes &= ~CHK_ANSI_STRIKETHROUGH;
          break;
        case 30: case 31: case 32: case 33: case 34: case 35: case 36: case 37:
          style->foreground = CHK_ANSI_COLOR_PALETTE (code - 30);
          break;
        case 39:
          style->foreground = CHK_ANSI_COLOR_DEFAULT;
          break;
        case 40: case 41: case 42: case 43: case 44: case 45: case 46: case 47:
          style->background = CHK_ANSI_COLOR_PALETTE (code - 40);
          break;
        case 49:
          style->background = CHK_ANSI_COLOR_DEFAULT;
          break;
        case 90: case 91: case 92: case 93: case 94: case 95: case 96: case 97:
          style->foreground = CHK_ANSI_COLOR_PALETTE (code - 90 + 8);
          break;
        case 100: case 101: case 102: case 103: case 104: case 105: case 106: case 107:
          style->background = CHK_ANSI_COLOR_PALETTE (code - 100 + 8);
          break;
        case 38:
        case 48:
        case 58:
          k += extended_color (params, n_params, k, &color, &valid);
          if (valid && code == 38)
            style->foreground = color;
          else if (valid && code == 48)
            style->background = color;
          break;
        default:
          /* Blink, fonts, frames, …: nothing a log shows */
          break;
        }
    }
}

static gboolean
is_dropped_control (ChkAnsiParser *parser,
                    guchar         c)
{
  if ((parser->flags & CHK_ANSI_PARSER_DROP_CONTROLS) == 0)
    return FALSE;
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == DEL;
}

/**
 * chk_ansi_parser_new:
 * @flags: what to drop besides escape sequences
 *
 * Returns: (transfer full): a parser in the default style
 */
ChkAnsiParser *
chk_ansi_parser_new (ChkAnsiParserFlags flags)
{
  ChkAnsiParser *parser = g_new0 (ChkAnsiParser, 1);

  parser->flags = flags;
  chk_ansi_parser_reset (parser);
  return parser;
}

/**
 * chk_ansi_parser_free:
 * @parser: (nullable): a #ChkAnsiParser
 */
void
chk_ansi_parser_free (ChkAnsiParser *parser)
{
  g_free (parser);
}

/**
 * chk_ansi_parser_reset:
 * @parser: a #ChkAnsiParser
 *
 * Forgets the style and any sequence under way: for output that does not
 * go on from what was fed before (where output was dropped).
 */
void
chk_ansi_parser_reset (ChkAnsiParser *parser)
{
  g_return_if_fail (parser != NULL);

  parser->state = STATE_GROUND;
  parser->csi_len = 0;
  parser->string_len = 0;
  style_reset (&parser->style);
}

/**
 * chk_ansi_parser_get_style:
 * @parser: a #ChkAnsiParser
 *
 * Returns: (transfer none): the style that text fed next will have
 */
const ChkAnsiStyle *
chk_ansi_parser_get_style (ChkAnsiParser *parser)
{
  g_return_val_if_fail (parser != NULL, NULL);
  return &parser->style;
}

/**
 * chk_ansi_parser_feed:
 * @parser: a #ChkAnsiParser
 * @data: (array length=len): the next bytes of output
 * @len: how many
 * @func: called with each stretch of text, in order
 * @user_data: for @func
 *
 * Reads @data, calling @func with the text in it and its style. Text is
 * handed on at once; only an escape sequence cut by the end of @data waits
 * for the next call. Bytes are not decoded: text may be in any encoding
 * that leaves ASCII control characters alone, as UTF-8 does.
 */
void
chk_ansi_parser_feed (ChkAnsiParser   *parser,
                      const char      *data,
                      gsize            len,
                      ChkAnsiTextFunc  func,
                      gpointer         user_data)
{
  const guchar *p = (const guchar *) data;
  const guchar *end = p + len;

  g_return_if_fail (parser != NULL);
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (func != NULL);

  while (p < end)
    {
      guchar c = *p;

      switch (parser->state)
        {
        case STATE_GROUND:
          {
            const guchar *start = p;

            while (p < end && *p != ESC && !is_dropped_control (parser, *p))
              p++;
            if (p > start)
              func ((const char *) start, p - start, &parser->style, user_data);
            if (p < end)
              {
                if (*p == ESC)
                  parser->state = STATE_ESCAPE;
                p++;
              }
          }
          continue;

        case STATE_ESCAPE:
          if (c == '[')
            {
              parser->state = STATE_CSI;
              parser->csi_len = 0;
            }
          else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
            {
              parser->state = STATE_STRING;
              parser->string_len = 0;
            }
          else if (c >= 0x20 && c <= 0x2f)
            parser->state = STATE_ESCAPE_INTERMEDIATE;
          else if (c >= 0x30 && c <= 0x7e)
            parser->state = STATE_GROUND;
          else if (c == ESC)
            ; /* the first one was alone */
          else
            {
              /* Not a sequence: the byte is text (or a control) again */
              parser->state = STATE_GROUND;
              continue;
            }
          p++;
          continue;

        case STATE_ESCAPE_INTERMEDIATE:
          if (c >= 0x30 && c <= 0x7e)
            parser->state = STATE_GROUND;
          else if (c < 0x20 || c > 0x7e)
            {
              parser->state = STATE_GROUND;
              continue;
            }
          p++;
          continue;

        case STATE_CSI:
          if (c >= 0x40 && c <= 0x7e)
            {
              if (c == 'm')
                apply_sgr (&parser->style, parser->csi, parser->csi_len);
              parser->state = STATE_GROUND;
            }
          else if (c >= 0x20 && c <= 0x3f)
            {
              if (parser->csi_len == MAX_CSI_BYTES)
                {
                  /* Garbage: what follows is text */
                  parser->state = STATE_GROUND;
                  continue;
                }
              parser->csi[parser->csi_len++] = (char) c;
            }
          else
            {
              /* A control character (or ESC) breaks the sequence off */
              parser->state = STATE_GROUND;
              if (c == CAN || c == SUB)
                p++;
              continue;
            }
          p++;
          continue;

        case STATE_STRING:
          {
            /* Up to one byte past the limit, and no further */
            gsize budget = MAX_STRING_BYTES - parser->string_len + 1;
            const guchar *limit = p + MIN ((gsize) (end - p), budget);
            const guchar *stop = p;

            while (stop < limit && *stop != BEL && *stop != ESC && *stop != CAN && *stop != SUB)
              stop++;
            parser->string_len += stop - p;
            p = stop;
            if (parser->string_len > MAX_STRING_BYTES)
              {
                parser->state = STATE_GROUND;
                continue;
              }
            if (p == end)
              continue;
            parser->state = *p == ESC ? STATE_STRING_ESCAPE : STATE_GROUND;
            p++;
          }
          continue;

        case STATE_STRING_ESCAPE:
          /* ST is ESC \; any other ESC ends the string and starts anew */
          if (c == '\\')
            {
              parser->state = STATE_GROUND;
              p++;
            }
          else
            parser->state = STATE_ESCAPE;
          continue;

        default:
          g_assert_not_reached ();
        }
    }
}

static void
strip_text_cb (const char         *text,
               gsize               len,
               const ChkAnsiStyle *style,
               gpointer            user_data)
{
  g_string_append_len (user_data, text, len);
}

/**
 * chk_ansi_strip:
 * @text: (array length=len): terminal output
 * @len: its length, or -1 if nul-terminated
 * @out_len: (out) (optional): the length of the result
 *
 * Removes every escape sequence from @text (an unfinished one at its end
 * too); every other byte is kept.
 *
 * Returns: (transfer full): the text, nul-terminated
 */
char *
chk_ansi_strip (const char *text,
                gssize      len,
                gsize      *out_len)
{
  g_autoptr(ChkAnsiParser) parser = chk_ansi_parser_new (CHK_ANSI_PARSER_NONE);
  GString *out;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (text);
  out = g_string_sized_new (len);
  chk_ansi_parser_feed (parser, text, len, strip_text_cb, out);
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* xterm's first 16 colours */
static const guint8 base_palette[16][3] = {
  { 0x00, 0x00, 0x00 }, { 0xcd, 0x00, 0x00 }, { 0x00, 0xcd, 0x00 }, { 0xcd, 0xcd, 0x00 },
  { 0x00, 0x00, 0xee }, { 0xcd, 0x00, 0xcd }, { 0x00, 0xcd, 0xcd }, { 0xe5, 0xe5, 0xe5 },
  { 0x7f, 0x7f, 0x7f }, { 0xff, 0x00, 0x00 }, { 0x00, 0xff, 0x00 }, { 0xff, 0xff, 0x00 },
  { 0x5c, 0x5c, 0xff }, { 0xff, 0x00, 0xff }, { 0x00, 0xff, 0xff }, { 0xff, 0xff, 0xff },
};

/**
 * chk_ansi_color_to_rgb:
 * @color: a palette entry or a 24-bit colour (not %CHK_ANSI_COLOR_DEFAULT)
 * @red: (out): its red
 * @green: (out): its green
 * @blue: (out): its blue
 *
 * Gives a colour's red, green and blue: for the palette, xterm's 256
 * colours (a caller with a palette of its own for the first 16 uses it
 * instead).
 */
void
chk_ansi_color_to_rgb (guint32  color,
                       guint8  *red,
                       guint8  *green,
                       guint8  *blue)
{
  static const guint8 levels[6] = { 0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff };
  guint index;

  g_return_if_fail (red != NULL && green != NULL && blue != NULL);

  if (CHK_ANSI_COLOR_IS_RGB (color))
    {
      *red = (color >> 16) & 0xff;
      *green = (color >> 8) & 0xff;
      *blue = color & 0xff;
      return;
    }

  g_return_if_fail (CHK_ANSI_COLOR_IS_PALETTE (color));
  index = CHK_ANSI_COLOR_INDEX (color);
  if (index < 16)
    {
      *red = base_palette[index][0];
      *green = base_palette[index][1];
      *blue = base_palette[index][2];
    }
  else if (index < 232)
    {
      index -= 16;
      *red = levels[index / 36];
      *green = levels[(index / 6) % 6];
      *blue = levels[index % 6];
    }
  else
    {
      *red = *green = *blue = (guint8) (8 + 10 * (index - 232));
    }
}
