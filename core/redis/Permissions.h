#pragma once

#include <QByteArray>
#include <QMap>
#include <QMetaType>
#include <QString>

namespace streamscope {

// What the connected ACL user may do with StreamScope's reads and writes, asked once on
// connect (ACL WHOAMI, then ACL DRYRUN per command on 7.0+; the reply to a harmless probe on
// older servers). Views use it to disable what is forbidden, with the reason as the tooltip,
// and to mark figures that need a forbidden read as "not evaluated" instead of showing a wrong
// number.
struct Permissions {
    // False when the server could not be asked (no ACL, or ACL denied to this user): then
    // everything is tried, and a NOPERM is reported where it comes.
    bool probed = false;
    QString user;      // ACL WHOAMI ("default" without ACL users)
    QString probeNote; // why not probed, when not
    // Commands the user may not run, upper case ("XPENDING", "CLIENT|SETNAME"), with the
    // server's reason ("this user has no permissions to run the 'xpending' command").
    QMap<QByteArray, QString> denied;

    bool allows(const QByteArray &command) const { return !denied.contains(command.toUpper()); }
    // "" when allowed; otherwise a sentence for a tooltip or an error.
    QString whyNot(const QByteArray &command) const { return denied.value(command.toUpper()); }
    bool operator==(const Permissions &o) const {
        return probed == o.probed && user == o.user && denied == o.denied;
    }
};

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::Permissions)
