#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`meson install` into a DESTDIR, checked as a user's machine would need it.

Installs the build tree into a temporary DESTDIR, then checks every file a
user needs (binaries, D-Bus service files and their Exec= lines, the systemd
user unit and its enabling link, the XDG autostart entry, .desktop,
metainfo, icons, man pages, bash completion, translations), then starts a
private bus whose XDG_DATA_DIRS points into the DESTDIR and checks that a
plain `gdbus call` activates the installed daemon, and that the autostart
entry's command starts one daemon however often it runs.

The installed files name their final paths (Exec=/usr/local/bin/…): for the
bus to run them from the DESTDIR, the activation checks run in a mount
namespace of their own where the installed prefix is bind-mounted over the
real one (unshare(1); as root, or in a user namespace). Nothing outside the
namespace sees it. Where no namespace can be made they are skipped, saying so.

The system mode's files (its unit, D-Bus activation and bus policy, polkit
actions) are checked too, and the unit with `systemd-analyze verify` in the
same namespace, where its ExecStart= is the installed binary.

The daemon's modules are installed too, and the activated daemon loads the
PostgreSQL store's from where it was installed, which it does when a
fleet-database setting is checked.

Arguments: BUILDDIR MESON PREFIX BINDIR DATADIR SYSCONFDIR MANDIR LOCALEDIR UNITDIR
SYSTEMUNITDIR MODULEDIR pg|no-pg (whether the build has the PostgreSQL store)
"""

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

from installcheck import APP_ID, BUS_NAME, Tap, read_group, read_key_file

OBJECT_PATH = '/io/github/chroniker/Chroniker/Scheduler'


def in_root(root, path):
    return os.path.join(root, path.lstrip('/'))


def languages(srcdir, folder='po'):
    path = os.path.join(srcdir, folder, 'LINGUAS')
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as linguas:
        return [word for line in linguas
                for word in line.split('#', 1)[0].split()]


def can_unshare():
    """Whether this process may make a mount namespace (as root, or in a user one)."""
    unshare = shutil.which('unshare')
    if unshare is None:
        return None
    for flags in (['--mount'], ['--mount', '--map-root-user']):
        probe = subprocess.run([unshare] + flags + ['true'], capture_output=True)
        if probe.returncode == 0:
            return [unshare] + flags + ['--propagation', 'private']
    return None


# Runs inside the namespace: mount the installed prefix over the real one, start a bus with
# the DESTDIR's services, run the commands given, and print what they said.
NAMESPACE_SCRIPT = r'''
set -eu
mount --bind "$DESTDIR_PREFIX" "$PREFIX"
exec dbus-run-session -- sh -c "$1"
'''


def run_in_namespace(unshare, env, script, timeout=60):
    return subprocess.run(unshare + ['sh', '-c', NAMESPACE_SCRIPT, 'ns', script],
                          env=env, capture_output=True, text=True, timeout=timeout)


def check_system_files(tap, dest, bindir, datadir, system_unitdir):
    """The system mode's unit, D-Bus system service, bus policy and polkit actions."""
    daemon = os.path.join(bindir, 'chronikerd')
    service = read_group(dest(os.path.join(datadir, 'dbus-1', 'system-services',
                                           BUS_NAME + '.service')), 'D-BUS Service')
    tap.check(service.get('Name') == BUS_NAME and service.get('Exec') == daemon + ' --system' and
              service.get('User') == 'root' and
              service.get('SystemdService') == 'chronikerd-system.service',
              "the system bus starts %s --system as root, through the system unit" % daemon,
              service)

    unit = read_key_file(dest(os.path.join(system_unitdir, 'chronikerd-system.service')))

    def key(name):
        return unit.get('Service', name, fallback='')
    tap.check(key('Type') == 'dbus' and key('BusName') == BUS_NAME and
              key('ExecStart') == daemon + ' --system',
              'the system unit is Type=dbus with BusName=%s, running %s --system'
              % (BUS_NAME, daemon), dict(unit['Service']) if unit.has_section('Service') else '')
    tap.check(key('StateDirectory') == 'chroniker' and key('StateDirectoryMode') == '0700',
              'the system unit keeps the database in /var/lib/chroniker, mode 0700')
    tap.check(key('ProtectSystem') == 'strict' and key('NoNewPrivileges') == 'yes' and
              key('PrivateTmp') == 'yes' and key('ProtectHome') == '' and
              key('ProtectControlGroups') == '' and key('Delegate') == 'yes',
              'the system unit is hardened as far as its jobs allow (ProtectSystem=strict, '
              'no ProtectHome=, cgroups delegated and writable)')
    tap.check(unit.get('Install', 'WantedBy', fallback='') == 'multi-user.target',
              'the system unit can be enabled to start at boot')

    conf = ElementTree.parse(dest(os.path.join(datadir, 'dbus-1', 'system.d',
                                               BUS_NAME + '.conf'))).getroot()
    owners = [(p.attrib, a.attrib) for p in conf.findall('policy') for a in p.findall('allow')
              if 'own' in a.attrib]
    senders = [(p.attrib, a.attrib) for p in conf.findall('policy') for a in p.findall('allow')
               if 'send_destination' in a.attrib]
    tap.check(owners == [({'user': 'root'}, {'own': BUS_NAME})],
              'the system bus policy lets root alone own ' + BUS_NAME, owners)
    tap.check(senders == [({'context': 'default'}, {'send_destination': BUS_NAME})],
              'the system bus policy lets everyone call it (polkit decides)', senders)

    policy = ElementTree.parse(dest(os.path.join(datadir, 'polkit-1', 'actions',
                                                 APP_ID + '.policy'))).getroot()
    defaults = {}
    german = {}
    for action in policy.findall('action'):
        found = action.find('defaults')
        defaults[action.get('id')] = tuple(found.findtext(name) for name in
                                           ('allow_any', 'allow_inactive', 'allow_active'))
        german[action.get('id')] = [e.text for e in action
                                    if e.get('{http://www.w3.org/XML/1998/namespace}lang') == 'de']
    tap.check(defaults == {
        APP_ID + '.manage-own-jobs': ('no', 'no', 'yes'),
        APP_ID + '.manage-all-jobs': ('auth_admin_keep',) * 3,
    }, 'the polkit actions: manage-own-jobs for active users, manage-all-jobs for admins',
        defaults)
    tap.check(all(len(texts) == 2 for texts in german.values()) and len(german) == 2,
              "the polkit actions' description and message are translated", german)


def main():
    (builddir, meson, prefix, bindir, datadir, sysconfdir, mandir, localedir,
     unitdir, system_unitdir, moduledir, pg) = sys.argv[1:13]
    has_pg = pg == 'pg'
    srcdir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tap = Tap()
    destdir = tempfile.mkdtemp(prefix='chk-install-')
    home = tempfile.mkdtemp(prefix='chk-install-home-')

    try:
        installed = subprocess.run([meson, 'install', '-C', builddir, '--no-rebuild',
                                    '--quiet', '--destdir', destdir],
                                   capture_output=True, text=True, timeout=300)
        if not tap.check(installed.returncode == 0, 'meson install --destdir succeeds',
                         installed.stdout + installed.stderr):
            return tap.end()

        def dest(path):
            return in_root(destdir, path)

        # Every file a user needs, where the system looks for it.
        needed = {
            'the daemon': (bindir, 'chronikerd'),
            'the client': (bindir, 'chronikerctl'),
            'the app': (bindir, 'chroniker'),
            "the daemon's D-Bus service": (datadir, 'dbus-1/services/%s.service' % BUS_NAME),
            "the app's D-Bus service": (datadir, 'dbus-1/services/%s.service' % APP_ID),
            'the systemd user unit': (unitdir, 'chronikerd.service'),
            'the login target': (unitdir, 'chronikerd-login.target'),
            'the autostart entry': (sysconfdir, 'xdg/autostart/%s.desktop' % BUS_NAME),
            'the desktop entry': (datadir, 'applications/%s.desktop' % APP_ID),
            'the metainfo': (datadir, 'metainfo/%s.metainfo.xml' % APP_ID),
            'the icon': (datadir, 'icons/hicolor/scalable/apps/%s.svg' % APP_ID),
            'the symbolic icon': (datadir,
                                  'icons/hicolor/symbolic/apps/%s-symbolic.svg' % APP_ID),
            "chronikerd's man page": (mandir, 'man1/chronikerd.1'),
            "chronikerctl's man page": (mandir, 'man1/chronikerctl.1'),
            'the bash completion': (datadir, 'bash-completion/completions/chronikerctl'),
            'the systemd system unit': (system_unitdir, 'chronikerd-system.service'),
            "the daemon's D-Bus system service":
                (datadir, 'dbus-1/system-services/%s.service' % BUS_NAME),
            'the system bus policy': (datadir, 'dbus-1/system.d/%s.conf' % BUS_NAME),
            'the polkit actions': (datadir, 'polkit-1/actions/%s.policy' % APP_ID),
            "the daemon's SMTP module": (moduledir, 'chk-smtp-curl.so'),
            "the daemon's polkit module": (moduledir, 'chk-polkit.so'),
            "the daemon's HTTP module": (moduledir, 'chk-http-soup.so'),
        }
        if has_pg:
            needed["the daemon's PostgreSQL store module"] = (moduledir, 'chk-store-pg.so')
        # The help, where yelp looks up help:APP_ID (the app's Help action).
        # Each translated too (help/LINGUAS), where yelp looks first in that language.
        for lang in ['C'] + languages(srcdir, 'help'):
            for page in sorted(os.listdir(os.path.join(srcdir, 'help', 'C'))):
                if page.endswith('.page'):
                    needed['the help page %s/%s' % (lang, page)] = (
                        datadir, 'help/%s/%s/%s' % (lang, APP_ID, page))
        for lang in languages(srcdir):
            needed['the %s translation' % lang] = (localedir,
                                                   '%s/LC_MESSAGES/chroniker.mo' % lang)
        for what, (directory, name) in needed.items():
            path = os.path.join(directory, name)
            tap.check(os.path.isfile(dest(path)), '%s is installed as %s' % (what, path))

        for name in ('chronikerd', 'chronikerctl', 'chroniker'):
            path = dest(os.path.join(bindir, name))
            tap.check(os.access(path, os.X_OK), '%s is executable' % name)
        version = subprocess.run([dest(os.path.join(bindir, 'chronikerd')), '--version'],
                                 capture_output=True, text=True)
        tap.check(version.returncode == 0 and version.stdout.startswith('chronikerd '),
                  'the installed chronikerd runs', version.stdout + version.stderr)

        daemon = os.path.join(bindir, 'chronikerd')

        # D-Bus service files: named as the name they own, starting the installed binaries.
        services = os.path.join(datadir, 'dbus-1', 'services')
        for name in sorted(os.listdir(dest(services))):
            entry = read_group(dest(os.path.join(services, name)), 'D-BUS Service')
            tap.check(entry.get('Name', '') + '.service' == name,
                      '%s: Name= is the file name' % name, entry)
            command = shlex.split(entry.get('Exec', ''))
            tap.check(bool(command) and os.path.dirname(command[0]) == bindir and
                      os.access(dest(command[0]), os.X_OK),
                      '%s: Exec= is an installed binary in %s' % (name, bindir), entry)
        service = read_group(dest(os.path.join(services, BUS_NAME + '.service')),
                                     'D-BUS Service')
        tap.check(service.get('Exec') == daemon, "the daemon's service runs " + daemon, service)
        tap.check(service.get('SystemdService') == 'chronikerd.service',
                  "the daemon's service activates through the systemd unit", service)

        # The unit: a D-Bus service for the same name, the installed binary; the bus
        # starts it, and the login target wants it at login.
        def read_unit(name):
            return read_key_file(dest(os.path.join(unitdir, name)))

        unit = read_unit('chronikerd.service')
        tap.check(unit.get('Service', 'Type', fallback='') == 'dbus' and
                  unit.get('Service', 'BusName', fallback='') == BUS_NAME,
                  'the unit is Type=dbus with BusName=' + BUS_NAME)
        tap.check(unit.get('Service', 'ExecStart', fallback='') == daemon,
                  'the unit runs ' + daemon, unit.get('Service', 'ExecStart', fallback=''))
        tap.check(not unit.has_section('Install'),
                  'the unit has no [Install]: masking the login target leaves it to the bus')
        login = read_unit('chronikerd-login.target')
        tap.check(login.get('Unit', 'Wants', fallback='') == 'chronikerd.service',
                  'the login target wants the unit')
        tap.check(login.get('Install', 'WantedBy', fallback='') == 'default.target',
                  'the login target is wanted by default.target')

        # Enabled for every user, as `systemctl --global enable` does: a user manager
        # starting default.target at the next login starts the daemon.
        target_path = os.path.join(unitdir, 'chronikerd-login.target')
        wants = dest('/etc/systemd/user/default.target.wants/chronikerd-login.target')
        if unitdir in ('/etc/systemd/user', '/usr/local/lib/systemd/user',
                       '/usr/lib/systemd/user', '/lib/systemd/user'):
            tap.check(os.path.islink(wants) and os.readlink(wants) == target_path,
                      'the login target is enabled for every user (default.target.wants → %s)'
                      % target_path, os.readlink(wants) if os.path.islink(wants) else 'no link')
        else:
            tap.skip('the login target is enabled for every user',
                     '%s is not read by systemd: the install says how to enable it' % unitdir)

        check_system_files(tap, dest, bindir, datadir, system_unitdir)

        # The autostart entry: for sessions without a systemd user manager.
        autostart_path = dest(os.path.join(sysconfdir, 'xdg', 'autostart', BUS_NAME + '.desktop'))
        autostart = read_group(autostart_path, 'Desktop Entry')
        tap.check(autostart.get('Exec') == daemon + ' --autostart',
                  'the autostart entry runs chronikerd --autostart', autostart.get('Exec'))
        tap.check(autostart.get('X-systemd-skip') == 'true' and
                  autostart.get('X-GNOME-HiddenUnderSystemd') == 'true',
                  'the autostart entry leaves systemd sessions to the unit', autostart)
        validate = shutil.which('desktop-file-validate')
        if validate:
            checked = subprocess.run([validate, autostart_path], capture_output=True, text=True)
            tap.check(checked.returncode == 0 and checked.stdout == '',
                      'desktop-file-validate accepts the autostart entry', checked.stdout)

        # The installed daemon, activated by the bus.
        unshare = can_unshare()
        activation_checks = ('a plain gdbus call activates the installed daemon',
                             'the installed daemon loads its installed PostgreSQL store module',
                             'the autostart command starts one daemon, however often it runs',
                             'systemd-analyze verify accepts the system unit')
        if unshare is None or not os.path.isdir(prefix):
            for what in activation_checks:
                tap.skip(what, 'no mount namespace can be made here (unshare(1))')
            return tap.end()

        env = dict(os.environ)
        for name in ('DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'):
            env.pop(name, None)
        env.update({
            'PREFIX': prefix,
            'DESTDIR_PREFIX': dest(prefix),
            'XDG_DATA_DIRS': dest(datadir),
            'XDG_DATA_HOME': os.path.join(home, 'data'),
            'XDG_CONFIG_HOME': os.path.join(home, 'config'),
            'HOME': home,
        })
        get_version = ('gdbus call --session --dest %s --object-path %s --method '
                       'org.freedesktop.DBus.Properties.Get %s1 Version'
                       % (BUS_NAME, OBJECT_PATH, BUS_NAME))
        activated = run_in_namespace(unshare, env, get_version)
        tap.check(activated.returncode == 0 and "'0." in activated.stdout,
                  activation_checks[0], activated.stdout + activated.stderr)

        # The setting is checked, without connecting, by the store's module: the daemon
        # refuses it when it cannot load the module from where it was installed.
        if has_pg:
            set_fleet = ('gdbus call --session --dest %s --object-path %s --method %s1.SetSettings '
                         '"{\'fleet-database\': <\'postgresql:///chroniker\'>}"'
                         % (BUS_NAME, OBJECT_PATH, BUS_NAME))
            loaded = run_in_namespace(unshare, env, set_fleet)
            tap.check(loaded.returncode == 0 and loaded.stdout.strip() == '()',
                      activation_checks[1], loaded.stdout + loaded.stderr)
        else:
            tap.skip(activation_checks[1], 'this build has no PostgreSQL store')

        # The autostart command twice (two sessions' entries, or an entry and a client):
        # one daemon owns the name, and the same process still owns it afterwards.
        owner = ('gdbus call --session --dest org.freedesktop.DBus --object-path '
                 '/org/freedesktop/DBus --method '
                 'org.freedesktop.DBus.GetConnectionUnixProcessID %s' % BUS_NAME)
        script = '{0} && {1} && {0} && {1}'.format(shlex.quote(daemon) + ' --autostart', owner)
        twice = run_in_namespace(unshare, env, script)
        pids = [line for line in twice.stdout.splitlines() if line.startswith('(uint32')]
        tap.check(twice.returncode == 0 and len(pids) == 2 and pids[0] == pids[1],
                  activation_checks[2], twice.stdout + twice.stderr)

        # The unit as systemd reads it, with the installed binary at its ExecStart=
        # (--man=no: no man page is looked up outside the DESTDIR).
        analyze = shutil.which('systemd-analyze')
        if analyze is None:
            tap.skip(activation_checks[3], 'no systemd-analyze here')
        else:
            unit_path = os.path.join(system_unitdir, 'chronikerd-system.service')
            verified = run_in_namespace(unshare, env, '%s verify --man=no %s' % (
                shlex.quote(analyze), shlex.quote(dest(unit_path))))
            # What it finds, it says about the unit (the bus says things of its own).
            said = verified.stdout + verified.stderr
            tap.check(verified.returncode == 0 and 'chronikerd-system.service' not in said,
                      activation_checks[3], said)
        return tap.end()
    finally:
        shutil.rmtree(destdir, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
