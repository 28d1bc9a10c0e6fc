/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-job-spec"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "chk-error.h"
#include "chk-job-spec.h"
#include "chk-job-spec-private.h"

/*
 * The checks of single values that do not depend on the key table: host
 * names, email addresses, http(s) URLs and one-line text. The keys of a
 * job spec use them, and so do the daemon and the command line, for the
 * options and settings that take the same kinds of value.
 */

/* A generous bound, like those of the keys, so that no URL can be absurdly long. */
#define MAX_URL_LENGTH 8192

/**
 * chk_text_has_control_characters:
 * @text: UTF-8 text
 *
 * Returns: whether @text holds an ASCII control character (a line break or
 *   a tab included), which a one-line value such as a name must not
 */
gboolean
chk_text_has_control_characters (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return TRUE;
    }
  return FALSE;
}

/**
 * chk_check_host_name:
 * @key: the key or option the name is for, named in errors
 * @name: a host name
 * @error: return location for a #GError
 *
 * Checks that @name is a host name as a job's `host` key and chronikerd's
 * `--hostname` take it: dot-separated labels of ASCII letters, digits,
 * `-` and `_`, none empty or starting with `-`, at most 253 bytes.
 *
 * Returns: %TRUE if @name can name a host
 */
gboolean
chk_check_host_name (const char  *key,
                     const char  *name,
                     GError     **error)
{
  gboolean label_start = TRUE;

  g_return_val_if_fail (name != NULL, FALSE);

  if (name[0] == '\0' || strlen (name) > MAX_HOST_LENGTH)
    return set_key_invalid (error, key, _("“%s” is not a host name"), name);
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '.' ? label_start || p[1] == '\0'
                    : !g_ascii_isalnum (*p) && *p != '_' && !(*p == '-' && !label_start))
        return set_key_invalid (error, key, _("“%s” is not a host name"), name);
      label_start = *p == '.';
    }
  return TRUE;
}

/**
 * chk_job_host_describe:
 * @host: a job's `host` key
 *
 * Returns: (transfer none): @host in words for the app and the CLI: "any
 *   host", "every host", or the host's name
 */
const char *
chk_job_host_describe (const char *host)
{
  g_return_val_if_fail (host != NULL, NULL);

  if (host[0] == '\0')
    /* Translators: where a job runs, when any one host of a fleet may run it */
    return _("any host");
  if (g_str_equal (host, CHK_JOB_SPEC_EVERY_HOST))
    /* Translators: where a job runs, when each host of a fleet runs it */
    return _("every host");
  return host;
}

/**
 * chk_email_address_is_valid:
 * @address: a recipient or sender, as typed
 *
 * The one check of an address that Chroniker mails to or from, for the
 * daemon, the command line and the app alike. It takes what sendmail takes:
 * `name@example.org`, `user@host` without a dot and a local user such as
 * `root`. It refuses what could turn into something else on the way: white
 * space and control characters (a CR or LF would add headers), the
 * characters that separate or quote addresses in a header, a second `@`,
 * a leading `-` (a sendmail option), and a leading `|` or `/` (delivery to
 * a program or a file). It says nothing of length: each use has its own.
 *
 * Returns: %TRUE if @address is one plain address
 */
gboolean
chk_email_address_is_valid (const char *address)
{
  const char *at;

  g_return_val_if_fail (address != NULL, FALSE);

  if (address[0] == '\0' || strchr ("-|/", address[0]) != NULL ||
      !g_utf8_validate (address, -1, NULL))
    return FALSE;

  for (const char *p = address; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c <= 0x20 || g_unichar_iscntrl (c) || g_unichar_isspace (c) ||
          (c < 0x80 && strchr ("<>,;:\"()[]\\", (char) c) != NULL))
        return FALSE;
    }

  at = strchr (address, '@');
  if (at == NULL)
    return TRUE;

  /* local@domain: both there, one @, and a domain made of labels */
  return at != address && at[1] != '\0' && strchr (at + 1, '@') == NULL &&
         at[1] != '.' && at[strlen (at) - 1] != '.' && strstr (at, "..") == NULL;
}

/**
 * chk_check_email_address:
 * @key: (nullable): what the address is for, named in errors
 * @address: the address
 * @error: return location for a #GError
 *
 * Checks @address with chk_email_address_is_valid(), and says what is
 * wrong if it fails.
 *
 * Returns: %TRUE if @address can go into a To or From header
 */
gboolean
chk_check_email_address (const char  *key,
                         const char  *address,
                         GError     **error)
{
  g_autofree char *shown = NULL;

  g_return_val_if_fail (address != NULL, FALSE);

  if (chk_email_address_is_valid (address))
    return TRUE;

  shown = g_strescape (address, NULL);
  if (key == NULL)
    return set_invalid (error, _("“%s” is not an email address such as name@example.org "
                                 "or a local user such as root"), shown);
  return set_key_invalid (error, key, _("“%s” is not an email address such as name@example.org "
                                        "or a local user such as root"), shown);
}

/**
 * chk_check_http_url:
 * @key: (nullable): the key or setting the URL is for, named in errors
 * @url: the URL
 * @error: return location for a #GError
 *
 * Checks that @url is an absolute `http://` or `https://` URL with a host
 * and no white space or control characters, which could smuggle a second
 * request line or header.
 *
 * Returns: %TRUE if @url can be fetched or posted to
 */
gboolean
chk_check_http_url (const char  *key,
                    const char  *url,
                    GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autofree char *problem = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  if (strlen (url) > MAX_URL_LENGTH)
    problem = g_strdup_printf (_("is %zu bytes long; at most %d are allowed"),
                               strlen (url), MAX_URL_LENGTH);

  for (const char *p = url; problem == NULL && *p != '\0'; p++)
    {
      if ((guchar) *p <= 0x20 || *p == 0x7f)
        {
          g_autofree char *shown = g_strescape (url, NULL);

          problem = g_strdup_printf (_("“%s” holds white space or a control character"), shown);
        }
    }

  if (problem == NULL)
    {
      uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
      scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

      if (uri == NULL)
        problem = g_strdup_printf (_("“%s” is not a URL such as https://example.org/health"), url);
      else if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
        problem = g_strdup_printf (_("“%s” is not an http:// or https:// URL"), url);
      else if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
        problem = g_strdup_printf (_("“%s” has no host name"), url);
    }

  if (problem == NULL)
    return TRUE;
  if (key != NULL)
    return set_key_invalid (error, key, "%s", problem);
  return set_invalid (error, "%s", problem);
}
