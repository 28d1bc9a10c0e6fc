#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest and the -Dflatpak=true install, checked as far as can be here.

No Flatpak runtime can be downloaded on the machines that run the tests, so the
Flatpak itself is not built. Checked instead:
- `flatpak-builder --show-manifest` parses the manifest;
- its structure: the app id, the GNOME runtime and SDK, the command, finish-args
  within what the app needs, a sha256 for every archive, -Dflatpak=true;
- a tree configured with -Dflatpak=true: what it would install has no systemd
  unit and no autostart entry, and a DESTDIR install of its session files
  (meson install --tags session) has D-Bus service files named as the name
  they own, within the app id, without SystemdService=.

Arguments: SRCDIR MESON APP_ID
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from installcheck import Tap, read_group

# What the app may ask of the sandbox: its display, GPU, network (HTTP checks,
# webhooks, email), running jobs on the host, and logind (suspend, linger).
ALLOWED_FINISH_ARGS = {
    '--socket=wayland',
    '--socket=fallback-x11',
    '--share=ipc',
    '--device=dri',
    '--share=network',
    '--talk-name=org.freedesktop.Flatpak',
    '--system-talk-name=org.freedesktop.login1',
}
REQUIRED_FINISH_ARGS = {'--talk-name=org.freedesktop.Flatpak', '--socket=wayland',
                        '--socket=fallback-x11'}


def sources_of(module):
    for source in module.get('sources', []):
        yield source
    for inner in module.get('modules', []):
        if isinstance(inner, dict):
            yield from sources_of(inner)


def check_manifest(tap, manifest_path, app_id):
    builder = shutil.which('flatpak-builder')
    if builder:
        shown = subprocess.run([builder, '--show-manifest', manifest_path],
                               capture_output=True, text=True)
        tap.check(shown.returncode == 0, 'flatpak-builder --show-manifest parses the manifest',
                  shown.stderr)
    else:
        tap.skip('flatpak-builder --show-manifest parses the manifest',
                 'flatpak-builder is not installed')

    with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)
    tap.check(os.path.basename(manifest_path) == app_id + '.json',
              'the manifest is named after the app id')
    tap.check(manifest.get('id') == app_id, 'the id is ' + app_id, manifest.get('id'))
    tap.check(manifest.get('runtime') == 'org.gnome.Platform' and
              manifest.get('sdk') == 'org.gnome.Sdk',
              'the runtime is org.gnome.Platform, the SDK org.gnome.Sdk')
    tap.check(re.fullmatch(r'[0-9]+', str(manifest.get('runtime-version', ''))) is not None,
              'the runtime version is a stable release', manifest.get('runtime-version'))
    tap.check(manifest.get('command') == 'chroniker', 'the command is the app')

    finish_args = set(manifest.get('finish-args', []))
    tap.check(finish_args <= ALLOWED_FINISH_ARGS, 'finish-args ask for nothing more than needed',
              sorted(finish_args - ALLOWED_FINISH_ARGS))
    tap.check(REQUIRED_FINISH_ARGS <= finish_args,
              'finish-args let it show windows and run jobs on the host',
              sorted(REQUIRED_FINISH_ARGS - finish_args))

    modules = [m for m in manifest.get('modules', []) if isinstance(m, dict)]
    names = [m.get('name') for m in modules]
    tap.check('libical' in names, 'libical is built as a module (the runtime lacks it)', names)
    tap.check(bool(names) and names[-1] == 'chroniker', 'chroniker is the last module', names)
    archives = [s for m in modules for s in sources_of(m) if s.get('type') in ('archive', 'file')]
    tap.check(bool(archives) and all(re.fullmatch(r'[0-9a-f]{64}', s.get('sha256', ''))
                                     for s in archives),
              'every archive has a sha256', archives)
    tap.check(all(s.get('url', '').startswith('https://') for s in archives),
              'every archive is fetched over https')
    chroniker = modules[-1] if modules else {}
    tap.check(chroniker.get('buildsystem') == 'meson' and
              '-Dflatpak=true' in chroniker.get('config-opts', []),
              'chroniker is built with meson -Dflatpak=true')


def check_flatpak_install(tap, srcdir, meson, app_id):
    work = tempfile.mkdtemp(prefix='chk-flatpak-')
    try:
        builddir = os.path.join(work, 'build')
        destdir = os.path.join(work, 'dest')
        setup = subprocess.run([meson, 'setup', '--prefix=/app', '-Dflatpak=true',
                                builddir, srcdir], capture_output=True, text=True)
        if not tap.check(setup.returncode == 0, 'meson setup -Dflatpak=true succeeds',
                         setup.stdout[-2000:] + setup.stderr[-2000:]):
            return

        listed = subprocess.run([meson, 'introspect', '--installed', builddir],
                                capture_output=True, text=True)
        installed = list(json.loads(listed.stdout or '{}').values())
        tap.check(bool(installed) and not any('/systemd/' in path for path in installed),
                  'a Flatpak install has no systemd unit',
                  [p for p in installed if '/systemd/' in p])
        tap.check(bool(installed) and not any('/autostart/' in path for path in installed),
                  'a Flatpak install has no autostart entry (the Background portal starts it)',
                  [p for p in installed if '/autostart/' in p])

        install = subprocess.run([meson, 'install', '-C', builddir, '--no-rebuild', '--quiet',
                                  '--tags', 'session', '--destdir', destdir],
                                 capture_output=True, text=True)
        if not tap.check(install.returncode == 0, 'meson install --tags session --destdir succeeds',
                         install.stdout + install.stderr):
            return
        services = os.path.join(destdir, 'app', 'share', 'dbus-1', 'services')
        names = sorted(os.listdir(services)) if os.path.isdir(services) else []
        tap.check(app_id + '.Scheduler.service' in names and app_id + '.service' in names,
                  "the daemon's and the app's D-Bus service files are installed", names)
        for name in names:
            entry = read_group(os.path.join(services, name), 'D-BUS Service')
            tap.check(entry.get('Name', '') + '.service' == name and
                      entry.get('Name', '').startswith(app_id),
                      '%s: Name= is the file name, within the app id' % name, entry)
            tap.check('SystemdService' not in entry, '%s: no SystemdService= line' % name, entry)
            tap.check(entry.get('Exec', '').startswith('/app/bin/'),
                      '%s: Exec= is in /app/bin' % name, entry)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    srcdir, meson, app_id = sys.argv[1:4]
    tap = Tap()
    check_manifest(tap, os.path.join(srcdir, 'flatpak', app_id + '.json'), app_id)
    check_flatpak_install(tap, srcdir, meson, app_id)
    return tap.end()


if __name__ == '__main__':
    sys.exit(main())
