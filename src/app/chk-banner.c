/* SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "chroniker"

#include "config.h"

#include "chk-banner.h"

/**
 * ChkBanner:
 *
 * A bar across the top of a view that says something is wrong, for as
 * long as it is (libadwaita 1.2 has no AdwBanner): it slides in when its
 * title is set and out when the title is "". It has the alert role, so
 * that a screen reader reads it out when it shows, and again when what it
 * says changes.
 */
struct _ChkBanner
{
  GtkWidget    parent_instance;

  char        *title;

  GtkRevealer *revealer;
  GtkWidget   *box;
  GtkLabel    *label;
  GtkButton   *button;
};

G_DEFINE_FINAL_TYPE (ChkBanner, chk_banner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
chk_banner_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CHK_TYPE_BANNER);

  G_OBJECT_CLASS (chk_banner_parent_class)->dispose (object);
}

static void
chk_banner_finalize (GObject *object)
{
  ChkBanner *self = CHK_BANNER (object);

  g_clear_pointer (&self->title, g_free);

  G_OBJECT_CLASS (chk_banner_parent_class)->finalize (object);
}

static void
chk_banner_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  ChkBanner *self = CHK_BANNER (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_banner_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  ChkBanner *self = CHK_BANNER (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      chk_banner_set_title (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chk_banner_class_init (ChkBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = chk_banner_dispose;
  object_class->finalize = chk_banner_finalize;
  object_class->get_property = chk_banner_get_property;
  object_class->set_property = chk_banner_set_property;

  /**
   * ChkBanner:title:
   *
   * What is wrong, in one or two sentences; "" hides the banner.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/chroniker/Chroniker/chk-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, ChkBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, ChkBanner, box);
  gtk_widget_class_bind_template_child (widget_class, ChkBanner, label);
  gtk_widget_class_bind_template_child (widget_class, ChkBanner, button);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chk-banner");
}

static void
chk_banner_init (ChkBanner *self)
{
  self->title = g_strdup ("");
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * chk_banner_new:
 *
 * Returns: (transfer floating): a new hidden banner
 */
GtkWidget *
chk_banner_new (void)
{
  return g_object_new (CHK_TYPE_BANNER, NULL);
}

/**
 * chk_banner_get_title:
 * @self: a #ChkBanner
 *
 * Returns: what the banner says, "" when it is hidden
 */
const char *
chk_banner_get_title (ChkBanner *self)
{
  g_return_val_if_fail (CHK_IS_BANNER (self), NULL);
  return self->title;
}

/**
 * chk_banner_set_title:
 * @self: a #ChkBanner
 * @title: (nullable): what is wrong, or "" or %NULL when nothing is
 *
 * Shows the banner with @title, or hides it.
 */
void
chk_banner_set_title (ChkBanner  *self,
                      const char *title)
{
  gboolean was_shown;

  g_return_if_fail (CHK_IS_BANNER (self));

  if (title == NULL)
    title = "";
  if (g_strcmp0 (self->title, title) == 0)
    return;

  was_shown = self->title[0] != '\0';
  g_free (self->title);
  self->title = g_strdup (title);

  /* Hiding, the text stays while the bar slides away. */
  if (title[0] != '\0')
    {
      gtk_label_set_text (self->label, title);
      /* An alert is read out when it shows: show it anew for news. */
      if (was_shown)
        {
          gtk_widget_set_visible (self->box, FALSE);
          gtk_widget_set_visible (self->box, TRUE);
        }
    }
  gtk_revealer_set_reveal_child (self->revealer, title[0] != '\0');

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

/**
 * chk_banner_get_revealed:
 * @self: a #ChkBanner
 *
 * Returns: whether the banner is shown or on its way in
 */
gboolean
chk_banner_get_revealed (ChkBanner *self)
{
  g_return_val_if_fail (CHK_IS_BANNER (self), FALSE);
  return gtk_revealer_get_reveal_child (self->revealer);
}

/**
 * chk_banner_set_button:
 * @self: a #ChkBanner
 * @label: (nullable): the button's label, with a mnemonic, or %NULL for no button
 * @action_name: (nullable): the action the button activates
 *
 * Gives the banner a button that fixes what it says, as AdwBanner's.
 */
void
chk_banner_set_button (ChkBanner  *self,
                       const char *label,
                       const char *action_name)
{
  g_return_if_fail (CHK_IS_BANNER (self));

  if (label != NULL)
    gtk_button_set_label (self->button, label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->button), action_name);
  gtk_widget_set_visible (GTK_WIDGET (self->button), label != NULL);
}
