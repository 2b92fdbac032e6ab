#pragma once

#include "ConnectionSettings.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QList>
#include <QStringList>

namespace streamscope {

// The connection flags every executable shares: redis-cli's own (-u/--url, -h, -p, -n, -s, -a,
// --user, --tls, --cacert, --cacertdir, --cert, --key, --sni, --insecure), plus --sentinel
// HOST:PORT (repeatable) with --master NAME, and --ssh [user@]host[:port] with --ssh-key FILE
// and --ssh-known-hosts FILE. Flags override the matching part of the URL.
//
// redis-cli's one-letter flags (-h HOST, -p, -n, -s, -a) only where the executable has no
// -h for help of its own (streamscope-cli); the services and the GUI take the long ones.
struct ConnectionOptions {
    enum class Letters { RedisCli, LongOnly };

    static QList<QCommandLineOption> options(Letters letters);
    // Every flag above that takes a value, as written on a command line ("-u", "--cacert"):
    // to find a command word among the arguments.
    static QStringList takingValue(Letters letters);
    // The help text of these flags, indented as streamscope-cli's help.
    static QString help(Letters letters);

    // The settings from the parsed flags: the URL (or defaultUrl) with the flags applied, the
    // passphrases from STREAMSCOPE_TLS_KEY_PASSPHRASE / STREAMSCOPE_SSH_KEY_PASSPHRASE. Errors
    // name the flag and what it expects; a TLS file flag without TLS (redis:// and no --tls)
    // is an error, not ignored.
    static Result<ConnectionSettings>
    settingsFrom(const QCommandLineParser &parser, Letters letters,
                 const QString &defaultUrl = QString::fromLatin1(ConnectionSettings::defaultUrl));
};

} // namespace streamscope
