/* SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ChkAnsiAttributes:
 * @CHK_ANSI_BOLD: SGR 1
 * @CHK_ANSI_DIM: SGR 2
 * @CHK_ANSI_ITALIC: SGR 3
 * @CHK_ANSI_UNDERLINE: SGR 4
 * @CHK_ANSI_INVERSE: SGR 7 (foreground and background swapped)
 * @CHK_ANSI_STRIKETHROUGH: SGR 9
 *
 * The text attributes that SGR sequences set, beside colours.
 */
typedef enum
{
  CHK_ANSI_BOLD          = 1 << 0,
  CHK_ANSI_DIM           = 1 << 1,
  CHK_ANSI_ITALIC        = 1 << 2,
  CHK_ANSI_UNDERLINE     = 1 << 3,
  CHK_ANSI_INVERSE       = 1 << 4,
  CHK_ANSI_STRIKETHROUGH = 1 << 5,
} ChkAnsiAttributes;

/* A colour: CHK_ANSI_COLOR_DEFAULT, a palette entry or a 24-bit colour. */
#define CHK_ANSI_COLOR_DEFAULT       0u
#define CHK_ANSI_COLOR_PALETTE_FLAG  0x01000000u
#define CHK_ANSI_COLOR_RGB_FLAG      0x02000000u
#define CHK_ANSI_COLOR_PALETTE(i)    (CHK_ANSI_COLOR_PALETTE_FLAG | ((guint32) (i) & 0xff))
#define CHK_ANSI_COLOR_RGB(r, g, b)  (CHK_ANSI_COLOR_RGB_FLAG | (((guint32) (r) & 0xff) << 16) | \
                                      (((guint32) (g) & 0xff) << 8) | ((guint32) (b) & 0xff))
#define CHK_ANSI_COLOR_IS_PALETTE(c) (((c) & 0xff000000u) == CHK_ANSI_COLOR_PALETTE_FLAG)
#define CHK_ANSI_COLOR_IS_RGB(c)     (((c) & 0xff000000u) == CHK_ANSI_COLOR_RGB_FLAG)
#define CHK_ANSI_COLOR_INDEX(c)      ((guint) ((c) & 0xff))

/**
 * ChkAnsiStyle:
 * @attributes: bold, italic, …
 * @foreground: the text colour
 * @background: the colour behind the text
 *
 * How a stretch of text is to be drawn, as SGR sequences left it.
 */
typedef struct
{
  ChkAnsiAttributes attributes;
  guint32           foreground;
  guint32           background;
} ChkAnsiStyle;

/**
 * ChkAnsiTextFunc:
 * @text: bytes of text, without escape sequences (not nul-terminated)
 * @len: how many
 * @style: how to draw them
 * @user_data: the data given to chk_ansi_parser_feed()
 *
 * Receives the text between escape sequences.
 */
typedef void (*ChkAnsiTextFunc) (const char         *text,
                                 gsize               len,
                                 const ChkAnsiStyle *style,
                                 gpointer            user_data);

/**
 * ChkAnsiParserFlags:
 * @CHK_ANSI_PARSER_NONE: keep every byte but escape sequences
 * @CHK_ANSI_PARSER_DROP_CONTROLS: also drop control characters other than
 *   tab, line feed and carriage return (bell, backspace, …), which a text
 *   view would show as boxes
 */
typedef enum
{
  CHK_ANSI_PARSER_NONE          = 0,
  CHK_ANSI_PARSER_DROP_CONTROLS = 1 << 0,
} ChkAnsiParserFlags;

typedef struct _ChkAnsiParser ChkAnsiParser;

ChkAnsiParser      *chk_ansi_parser_new       (ChkAnsiParserFlags  flags);
void                chk_ansi_parser_free      (ChkAnsiParser      *parser);
void                chk_ansi_parser_reset     (ChkAnsiParser      *parser);
void                chk_ansi_parser_feed      (ChkAnsiParser      *parser,
                                               const char         *data,
                                               gsize               len,
                                               ChkAnsiTextFunc     func,
                                               gpointer            user_data);
const ChkAnsiStyle *chk_ansi_parser_get_style (ChkAnsiParser      *parser);

char               *chk_ansi_strip            (const char         *text,
                                               gssize              len,
                                               gsize              *out_len);
void                chk_ansi_color_to_rgb     (guint32             color,
                                               guint8             *red,
                                               guint8             *green,
                                               guint8             *blue);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChkAnsiParser, chk_ansi_parser_free)

G_END_DECLS
