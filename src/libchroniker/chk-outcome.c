/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chk-outcome"

#include "config.h"

#include "chk-enums.h"
#include "chk-outcome.h"

/* The words are the enums' nicks, generated from chk-outcome.h, so that a
 * new outcome is named in one place. Outcomes are compared for every row
 * the app refreshes: the classes are looked up once and kept. */
static GEnumClass *
enum_class (GType type)
{
  GEnumClass *klass = g_type_class_peek (type);

  /* A static type's class, once made, lives as long as the program */
  return klass != NULL ? klass : g_type_class_ref (type);
}

static int
value_from_nick (GType       type,
                 const char *text,
                 int         unknown)
{
  const GEnumValue *value;

  if (text == NULL || text[0] == '\0')
    return -1;
  value = g_enum_get_value_by_nick (enum_class (type), text);
  return value != NULL ? value->value : unknown;
}

static const char *
nick_of (GType type,
         int   value)
{
  const GEnumValue *found = g_enum_get_value (enum_class (type), value);

  return found != NULL ? found->value_nick : NULL;
}

/**
 * chk_outcome_from_string:
 * @text: (nullable): an outcome as the bus and the store say it
 *
 * Returns: the outcome; %CHK_OUTCOME_NONE for %NULL or "" (never run), and
 *   %CHK_OUTCOME_UNKNOWN for a word this build does not know
 */
ChkOutcome
chk_outcome_from_string (const char *text)
{
  int value = value_from_nick (CHK_TYPE_OUTCOME, text, CHK_OUTCOME_UNKNOWN);

  if (value < 0 || value == CHK_OUTCOME_NONE)
    return text == NULL || text[0] == '\0' ? CHK_OUTCOME_NONE : CHK_OUTCOME_UNKNOWN;
  return (ChkOutcome) value;
}

/**
 * chk_outcome_to_string:
 * @outcome: an outcome
 *
 * Returns: the outcome's word on the bus: "" for %CHK_OUTCOME_NONE and
 *   %CHK_OUTCOME_UNKNOWN
 */
const char *
chk_outcome_to_string (ChkOutcome outcome)
{
  const char *word;

  if (outcome == CHK_OUTCOME_NONE || outcome == CHK_OUTCOME_UNKNOWN)
    return "";
  word = nick_of (CHK_TYPE_OUTCOME, outcome);
  return word != NULL ? word : "";
}

/**
 * chk_outcome_is_valid_string:
 * @text: (nullable): a word
 *
 * Returns: whether @text is an outcome a run can have or have had, e.g. for
 *   a filter; "" and unknown words are not
 */
gboolean
chk_outcome_is_valid_string (const char *text)
{
  ChkOutcome outcome = chk_outcome_from_string (text);

  return outcome != CHK_OUTCOME_NONE && outcome != CHK_OUTCOME_UNKNOWN;
}

/**
 * chk_outcome_is_failure:
 * @outcome: an outcome
 *
 * The one answer to "did this run fail?", for filters, rows, alerts,
 * monitors and exit statuses alike. A run that was stopped on purpose did
 * not fail; one that the daemon's end cut short did, since its work is not
 * done. An outcome from a newer daemon counts as a failure, so that it is
 * looked at rather than missed.
 *
 * Returns: whether the run failed
 */
gboolean
chk_outcome_is_failure (ChkOutcome outcome)
{
  switch (outcome)
    {
    case CHK_OUTCOME_FAILURE:
    case CHK_OUTCOME_TIMEOUT:
    case CHK_OUTCOME_INTERRUPTED:
    case CHK_OUTCOME_FAILED_TO_START:
    case CHK_OUTCOME_UNKNOWN:
      return TRUE;
    case CHK_OUTCOME_NONE:
    case CHK_OUTCOME_RUNNING:
    case CHK_OUTCOME_SUCCESS:
    case CHK_OUTCOME_STOPPED:
    case CHK_OUTCOME_SKIPPED:
    default:
      return FALSE;
    }
}

/**
 * chk_outcome_is_finished:
 * @outcome: an outcome
 *
 * Returns: whether a run with @outcome has ended
 */
gboolean
chk_outcome_is_finished (ChkOutcome outcome)
{
  return outcome != CHK_OUTCOME_NONE && outcome != CHK_OUTCOME_RUNNING;
}

/**
 * chk_outcome_get_title:
 * @outcome: an outcome
 *
 * The outcome as a title in English, for the email subjects and webhook
 * messages that the daemon sends: they go to other people and programs,
 * so they are not in the daemon's locale. The app and the CLI have
 * translated words of their own.
 *
 * Returns: (nullable): e.g. "Failed to start"; %NULL for
 *   %CHK_OUTCOME_NONE and %CHK_OUTCOME_UNKNOWN
 */
const char *
chk_outcome_get_title (ChkOutcome outcome)
{
  switch (outcome)
    {
    case CHK_OUTCOME_RUNNING:
      return "Running";
    case CHK_OUTCOME_SUCCESS:
      return "Success";
    case CHK_OUTCOME_FAILURE:
      return "Failure";
    case CHK_OUTCOME_TIMEOUT:
      return "Timeout";
    case CHK_OUTCOME_STOPPED:
      return "Stopped";
    case CHK_OUTCOME_INTERRUPTED:
      return "Interrupted";
    case CHK_OUTCOME_FAILED_TO_START:
      return "Failed to start";
    case CHK_OUTCOME_SKIPPED:
      return "Skipped";
    case CHK_OUTCOME_NONE:
    case CHK_OUTCOME_UNKNOWN:
    default:
      return NULL;
    }
}

/**
 * chk_trigger_from_string:
 * @text: (nullable): a trigger as the bus says it
 *
 * Returns: the trigger, or %CHK_TRIGGER_UNKNOWN
 */
ChkTrigger
chk_trigger_from_string (const char *text)
{
  int value = value_from_nick (CHK_TYPE_TRIGGER, text, CHK_TRIGGER_UNKNOWN);

  return value < 0 ? CHK_TRIGGER_UNKNOWN : (ChkTrigger) value;
}

/**
 * chk_trigger_to_string:
 * @trigger: a trigger
 *
 * Returns: the trigger's word on the bus, or "" for %CHK_TRIGGER_UNKNOWN
 */
const char *
chk_trigger_to_string (ChkTrigger trigger)
{
  const char *word;

  if (trigger == CHK_TRIGGER_UNKNOWN)
    return "";
  word = nick_of (CHK_TYPE_TRIGGER, trigger);
  return word != NULL ? word : "";
}
