#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace streamscope {

class RedisClient;
using Command = QList<QByteArray>;

// What the connected ACL user may do with StreamScope's reads and writes, asked once on
// connect (ACL WHOAMI, then ACL DRYRUN per command on 7.0+; the reply to a harmless probe on
// older servers). Views use it to disable what is forbidden, with the reason as the tooltip,
// and to mark figures that need a forbidden read as "not evaluated" instead of showing a wrong
// number.
//
// Only the user's command rights are here: its key patterns are per stream, and a stream it may
// not read is marked where it is listed (StreamInfo::noAccess).
struct Permissions {
    // False when the server could not be asked (no ACL, or ACL denied to this user): then
    // everything is tried, and a NOPERM is reported where it comes.
    bool probed = false;
    QString user;      // ACL WHOAMI ("default" without ACL users)
    QString probeNote; // why not probed, when not
    // Commands the user may not run, upper case ("XPENDING", "XINFO|STREAM", "CLIENT|SETNAME"),
    // each with a sentence saying what to do ("the user 'mon' may not run XPENDING: add
    // +xpending (ACL SETUSER mon +xpending)").
    QMap<QByteArray, QString> denied;

    // A command or a subcommand ("XINFO|STREAM"; "XINFO STREAM" is read the same way).
    bool allows(const QByteArray &command) const { return !denied.contains(normal(command)); }
    // "" when allowed; otherwise a sentence for a tooltip or an error.
    QString whyNot(const QByteArray &command) const { return denied.value(normal(command)); }
    // The first refusal among the commands an action sends ("" when all are allowed). What
    // StreamScope's actions send: ack XACK; claim XCLAIM; autoclaim XAUTOCLAIM; dead-letter
    // XPENDING XRANGE WATCH XLEN MULTI XADD XACK EXEC (EVALSHA across cluster slots); group
    // admin XGROUP|CREATE, XGROUP|SETID, XGROUP|DESTROY, XGROUP|DELCONSUMER; trim XTRIM;
    // delete XDEL; publish XADD; the pending list XPENDING; an entry XRANGE.
    QString whyNotAny(const QList<QByteArray> &commands) const {
        for (const QByteArray &c : commands)
            if (!allows(c))
                return whyNot(c);
        return {};
    }
    bool operator==(const Permissions &o) const {
        return probed == o.probed && user == o.user && denied == o.denied
               && probeNote == o.probeNote;
    }
    bool operator!=(const Permissions &o) const { return !(*this == o); }

private:
    static QByteArray normal(const QByteArray &command) {
        return command.toUpper().replace(' ', '|');
    }
};

// What a probe cost: commands sent and bytes received (one round trip).
struct ProbeCost {
    int commands = 0;
    qint64 bytesReceived = 0;
};

// Asks the server what the connected user may do: ACL WHOAMI and one ACL DRYRUN per command
// StreamScope sends (aclReadCommands() and aclWriteCommands()), all in one pipeline. DRYRUN
// needs a key: sampleKey when given (a stream the listing found), otherwise a made-up name;
// a refusal for the key is left out (key patterns are per stream, see StreamInfo::noAccess),
// only the refusals of the command itself are kept. Not probed (probed false, probeNote says
// why) before 7.0 (no DRYRUN), when the user may not run ACL DRYRUN, or on a server without
// ACL: then nothing is known up front. Never fails: a transport error is not probed either.
Permissions probePermissions(RedisClient &client, const QByteArray &sampleKey = {},
                             ProbeCost *cost = nullptr);

// StreamScope's commands as ACL names ("XINFO|STREAM"), with the ACL rule word (+xinfo|stream).
// Reads: what a read-only monitor (streams, groups, consumers, pending, doctor, tail, the
// GUI's polling) sends. Writes: what the repairs (ack, claim, autoclaim, dead-letter, group
// admin, trim, delete, publish) send on top.
QList<QByteArray> aclReadCommands();
QList<QByteArray> aclWriteCommands();

// The minimal ACL rule for StreamScope as a ready `ACL SETUSER` line: a read-only monitor, or
// (repair) one that may repair too. Key patterns are `~PATTERN` each (all keys when none).
QString aclRule(const QString &user, const QString &password, const QStringList &patterns,
                bool repair);
// The rule's command words alone: "+xread +xrange ... +client|setname".
QStringList aclRuleCommands(bool repair);

// A server's NOPERM message with what to do about it, for people: the server's text, then
// "the user 'mon' may not run XACK: add +xack (ACL SETUSER mon +xack)" (or for a key: its key
// patterns do not cover it). Any other message comes back as it is.
QString explainRefusal(const QString &message, const QString &user);
// Whether the connected user may send these commands, their real keys included, asked with
// ACL DRYRUN before anything is sent: "" when it may, or when the server cannot say (before 7.0,
// or the user may not run ACL DRYRUN: a refusal then comes as it comes). Otherwise a sentence:
// "the user 'mon' may not ACTION: it may not run +eval +xgroup|setid [and its key patterns do
// not cover KEY]. Add +eval +xgroup|setid
// (ACL SETUSER mon +eval +xgroup|setid), or use a user made with streamscope-cli acl-rule
// --repair". A key refused is named as a pattern (~key; a marker key {tag}:dlq-... as
// ~{tag}:dlq*). Changes nothing, so it is asked in read-only mode too. Bounded by the caller.
QString dryRunRefusal(RedisClient &client, const QList<Command> &commands, const QString &action);

// What to add for a key the user may not access: "add a key pattern that covers it (ACL SETUSER
// mon ~payment-events)".
QString keyAdvice(const QString &user, const QByteArray &key);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::Permissions)
