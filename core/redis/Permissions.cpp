#include "Permissions.h"

#include "RedisClient.h"

#include <QRegularExpression>

namespace streamscope {

namespace {

constexpr char keyMark[] = "\x01key"; // stands for the sample key in a probe's arguments

struct Probe {
    QByteArray acl; // "XINFO|STREAM"
    Command args;   // the command as StreamScope sends it, keyMark for the key
    bool write = false;
};

// StreamScope's commands with arguments of the shape it sends (DRYRUN checks the arity and
// the keys too). What the CLI and the GUI's pollers read, then what the repairs write.
const QList<Probe> &probes() {
    static const QList<Probe> list{
        {"XREAD", {"XREAD", "COUNT", "1", "STREAMS", keyMark, "0"}},
        {"XRANGE", {"XRANGE", keyMark, "-", "+", "COUNT", "1"}},
        {"XREVRANGE", {"XREVRANGE", keyMark, "+", "-", "COUNT", "1"}},
        {"XINFO|STREAM", {"XINFO", "STREAM", keyMark}},
        {"XINFO|GROUPS", {"XINFO", "GROUPS", keyMark}},
        {"XINFO|CONSUMERS", {"XINFO", "CONSUMERS", keyMark, "g"}},
        {"XPENDING", {"XPENDING", keyMark, "g", "-", "+", "10"}},
        {"XLEN", {"XLEN", keyMark}},
        {"SCAN", {"SCAN", "0", "MATCH", "*", "COUNT", "1000", "TYPE", "stream"}},
        {"INFO", {"INFO", "server"}},
        {"PING", {"PING"}},
        {"CLIENT|SETNAME", {"CLIENT", "SETNAME", "streamscope"}},
        {"XADD", {"XADD", keyMark, "*", "f", "v"}, true},
        {"XACK", {"XACK", keyMark, "g", "0-1"}, true},
        {"XCLAIM", {"XCLAIM", keyMark, "g", "c", "0", "0-1"}, true},
        {"XAUTOCLAIM", {"XAUTOCLAIM", keyMark, "g", "c", "0", "0-0"}, true},
        {"XGROUP|CREATE", {"XGROUP", "CREATE", keyMark, "g", "$"}, true},
        {"XGROUP|SETID", {"XGROUP", "SETID", keyMark, "g", "$"}, true},
        {"XGROUP|DESTROY", {"XGROUP", "DESTROY", keyMark, "g"}, true},
        {"XGROUP|DELCONSUMER", {"XGROUP", "DELCONSUMER", keyMark, "g", "c"}, true},
        {"XTRIM", {"XTRIM", keyMark, "MAXLEN", "1000"}, true},
        {"XDEL", {"XDEL", keyMark, "0-1"}, true},
        {"WATCH", {"WATCH", keyMark}, true},
        {"UNWATCH", {"UNWATCH"}, true},
        {"MULTI", {"MULTI"}, true},
        {"EXEC", {"EXEC"}, true},
        {"DISCARD", {"DISCARD"}, true},
        {"EVALSHA", {"EVALSHA", QByteArray(40, 'a'), "1", keyMark}, true},
        {"EVAL", {"EVAL", "return 1", "1", keyMark}, true},
    };
    return list;
}

// The rule words: the reads a monitor needs, then what repairing adds. ACL WHOAMI and DRYRUN
// let StreamScope tell up front what the user may do (DRYRUN shows what any user may run, never
// a password); without them it tries everything and reports each refusal where it comes.
// +type: a key's type (replay's and redrive's checks of their targets). +cluster|shards and
// +cluster|slots: a cluster's slot map (SHARDS on 7.0+, SLOTS before; without either no cluster
// can be opened); +asking: ASK redirects while a slot migrates.
const QStringList monitorWords{QStringLiteral("+xread"),         QStringLiteral("+xrange"),
                               QStringLiteral("+xrevrange"),     QStringLiteral("+xinfo"),
                               QStringLiteral("+xpending"),      QStringLiteral("+xlen"),
                               QStringLiteral("+scan"),          QStringLiteral("+info"),
                               QStringLiteral("+ping"),          QStringLiteral("+client|setname"),
                               QStringLiteral("+acl|whoami"),    QStringLiteral("+acl|dryrun"),
                               QStringLiteral("+type"),          QStringLiteral("+cluster|shards"),
                               QStringLiteral("+cluster|slots"), QStringLiteral("+asking")};
// +get +set: the markers of dead-lettering and redriving across cluster slots, read and set
// inside their scripts ({STREAM}:dlq-moved:..., {ORIGIN}:dlq-redriven:...).
const QStringList repairWords{QStringLiteral("+xack"),
                              QStringLiteral("+xclaim"),
                              QStringLiteral("+xautoclaim"),
                              QStringLiteral("+xadd"),
                              QStringLiteral("+xgroup|create"),
                              QStringLiteral("+xgroup|setid"),
                              QStringLiteral("+xgroup|destroy"),
                              QStringLiteral("+xgroup|delconsumer"),
                              QStringLiteral("+xtrim"),
                              QStringLiteral("+xdel"),
                              QStringLiteral("+watch"),
                              QStringLiteral("+unwatch"),
                              QStringLiteral("+multi"),
                              QStringLiteral("+exec"),
                              QStringLiteral("+discard"),
                              QStringLiteral("+evalsha"),
                              QStringLiteral("+eval"),
                              QStringLiteral("+get"),
                              QStringLiteral("+set")};

QString q(const QString &user) {
    return user.isEmpty() ? QStringLiteral("default") : user;
}

// "the user 'mon' may not run XACK: add +xack (ACL SETUSER mon +xack)"
QString commandAdvice(const QByteArray &acl, const QString &user) {
    const QString word = QLatin1Char('+') + QString::fromLatin1(acl).toLower();
    return QStringLiteral("the user '%1' may not run %2: add %3 (ACL SETUSER %1 %3)")
        .arg(q(user), QString::fromLatin1(acl).replace(QLatin1Char('|'), QLatin1Char(' ')), word);
}

Permissions notProbed(const QString &user, const QString &note) {
    Permissions p;
    p.user = user;
    p.probeNote = note;
    return p;
}

} // namespace

QList<QByteArray> aclReadCommands() {
    QList<QByteArray> out;
    for (const Probe &p : probes())
        if (!p.write)
            out << p.acl;
    return out;
}

QList<QByteArray> aclWriteCommands() {
    QList<QByteArray> out;
    for (const Probe &p : probes())
        if (p.write)
            out << p.acl;
    return out;
}

QStringList aclRuleCommands(bool repair) {
    return repair ? monitorWords + repairWords : monitorWords;
}

QString aclRule(const QString &user, const QString &password, const QStringList &patterns,
                bool repair) {
    QStringList words{
        QStringLiteral("ACL"),   QStringLiteral("SETUSER"), q(user),
        QStringLiteral("reset"), QStringLiteral("on"),      QLatin1Char('>') + password};
    if (patterns.isEmpty())
        words << QStringLiteral("~*");
    for (const QString &p : patterns)
        words << QLatin1Char('~') + p;
    // On a cluster a stream's dead-letter stream and the markers of dead-lettering and redriving
    // live in its slot under its hash tag ({order-events}:dlq, {order-events}:dlq-moved:...,
    // {order-events}:dlq-redriven:...): names the patterns alone do not cover.
    for (const QString &p : patterns)
        if (p != QLatin1String("*"))
            words << QStringLiteral("~{%1}:dlq*").arg(p);
    // reset may grant every channel (acl-pubsub-default): StreamScope subscribes to none.
    words << QStringLiteral("resetchannels") << QStringLiteral("-@all") << aclRuleCommands(repair);
    return words.join(QLatin1Char(' '));
}

Permissions probePermissions(RedisClient &client, const QByteArray &sampleKey, ProbeCost *cost) {
    const QString user =
        client.settings().user.isEmpty() ? QStringLiteral("default") : client.settings().user;
    const QByteArray key = sampleKey.isEmpty() ? QByteArray("streamscope-acl-probe") : sampleKey;
    QList<Command> commands{{"ACL", "WHOAMI"}};
    for (const Probe &p : probes()) {
        Command c{"ACL", "DRYRUN", user.toUtf8()};
        for (const QByteArray &a : p.args)
            c << (a == keyMark ? key : a);
        commands << c;
    }
    // DRYRUN changes nothing, but read-only mode knows only the commands it runs.
    const bool readOnly = client.isReadOnly();
    client.setReadOnly(false);
    const qint64 bytesBefore = client.bytesReceived();
    std::vector<RedisReply> replies;
    Error failed;
    if (client.topology() == RedisClient::Topology::Cluster) {
        // ACL is keyless and answered by any node (the users are the same on every node, or
        // nothing works anyway): one primary, one command at a time (commandOn has no pipeline).
        const QStringList primaries = client.primaries();
        for (const Command &c : commands) {
            auto r =
                primaries.isEmpty()
                    ? Result<RedisReply>(Error(Error::Kind::Connect, QStringLiteral("no node")))
                    : client.commandOn(primaries.first(), c);
            if (!r.ok()) {
                failed = r.error();
                break;
            }
            replies.push_back(std::move(r).value());
        }
    } else {
        auto r = client.pipeline(commands);
        if (r.ok())
            replies = std::move(r).value();
        else
            failed = r.error();
    }
    client.setReadOnly(readOnly);
    if (cost) {
        cost->commands = int(commands.size());
        cost->bytesReceived = client.bytesReceived() - bytesBefore;
    }
    if (failed)
        return notProbed(
            user, QStringLiteral("the permissions could not be asked: %1").arg(failed.message));
    const RedisReply &whoami = replies.front();
    if (whoami.isError()) {
        if (whoami.errorMessage().contains(QLatin1String("unknown command")))
            return notProbed(user, QStringLiteral("the server has no ACL (before Redis 6): every "
                                                  "command is allowed"));
        return notProbed(user, QStringLiteral("the user '%1' may not run ACL WHOAMI (%2): what it "
                                              "may do is found out as it goes; add +acl|whoami "
                                              "+acl|dryrun to know it up front")
                                   .arg(user, whoami.errorMessage()));
    }
    const QString who = QString::fromUtf8(whoami.bytes());
    const RedisReply &first = replies.at(1);
    if (first.isError()) {
        if (first.errorCode() == "NOPERM")
            return notProbed(who, QStringLiteral("the user '%1' may not run ACL DRYRUN: what it "
                                                 "may do is found out as it goes (a refusal is "
                                                 "reported where it comes); add +acl|dryrun to "
                                                 "know it up front")
                                      .arg(who));
        if (first.errorMessage().contains(QLatin1String("subcommand"), Qt::CaseInsensitive)
            || first.errorMessage().contains(QLatin1String("Unknown"), Qt::CaseInsensitive))
            return notProbed(who, QStringLiteral("the server has no ACL DRYRUN (before Redis "
                                                 "7.0): what the user may do is found out as it "
                                                 "goes (a refusal is reported where it comes)"));
    }
    Permissions p;
    p.probed = true;
    p.user = who;
    for (qsizetype i = 0; i < probes().size(); ++i) {
        const RedisReply &r = replies.at(size_t(i + 1));
        // DRYRUN answers OK, or a sentence (not an error reply) saying what it would refuse.
        // A refusal of the key is the key patterns' business, per stream: left out here.
        const QString text = r.isError() ? r.errorMessage() : QString::fromUtf8(r.bytes());
        if (r.isStatus() && text == QLatin1String("OK"))
            continue;
        if (text.contains(QLatin1String("permissions to run")))
            p.denied.insert(probes().at(i).acl, commandAdvice(probes().at(i).acl, who));
        else if (r.isError() && !text.contains(QLatin1String("permissions to access")))
            p.denied.insert(probes().at(i).acl,
                            QStringLiteral("ACL DRYRUN %1: %2")
                                .arg(QString::fromLatin1(probes().at(i).acl), text));
    }
    return p;
}

namespace {

// One ACL DRYRUN reply: "" when allowed, else the rule word ("+xadd") or key pattern ("~k").
QString refusalWord(const RedisReply &r) {
    if (r.isStatus() && r.bytes() == "OK")
        return {};
    static const QRegularExpression what(
        QStringLiteral("permissions to (run|access) the '(.*)' (command|key)"));
    const QString text = r.isError() ? r.errorMessage() : QString::fromUtf8(r.bytes());
    const QRegularExpressionMatch m = what.match(text);
    if (!m.hasMatch())
        return {};
    if (m.captured(1) == QLatin1String("run"))
        return QLatin1Char('+') + m.captured(2).toLower();
    // A marker key ({tag}:dlq-moved:..., {tag}:dlq-redriven:...): a pattern for all of its tag.
    QString key = m.captured(2);
    const qsizetype marker = key.indexOf(QLatin1String("}:dlq-"));
    if (key.startsWith(QLatin1Char('{')) && marker > 0)
        key = key.left(marker + 1) + QStringLiteral(":dlq*");
    return QLatin1Char('~') + key;
}

} // namespace

QString dryRunRefusal(RedisClient &client, const QList<Command> &commands, const QString &action) {
    if (commands.isEmpty())
        return {};
    const QString user =
        client.settings().user.isEmpty() ? QStringLiteral("default") : client.settings().user;
    QList<Command> asks;
    for (const Command &c : commands)
        asks << (Command{"ACL", "DRYRUN", user.toUtf8()} + c);
    // DRYRUN changes nothing, but read-only mode knows only the commands it runs.
    const bool readOnly = client.isReadOnly();
    client.setReadOnly(false);
    std::vector<RedisReply> replies;
    if (client.topology() == RedisClient::Topology::Cluster) {
        // Keyless, answered by any node (the users are the same on every node): one at a time.
        const QStringList primaries = client.primaries();
        for (const Command &ask : std::as_const(asks)) {
            if (primaries.isEmpty())
                break;
            auto r = client.commandOn(primaries.first(), ask);
            if (!r.ok())
                break;
            replies.push_back(std::move(r).value());
        }
    } else if (auto r = client.pipeline(asks); r.ok()) {
        replies = std::move(r).value();
    }
    client.setReadOnly(readOnly);
    QStringList words, keys;
    for (const RedisReply &r : replies) {
        if (r.isError()) // ACL DRYRUN itself refused or unknown: nothing is known up front
            return {};
        const QString word = refusalWord(r);
        if (word.startsWith(QLatin1Char('+')) && !words.contains(word))
            words << word;
        else if (word.startsWith(QLatin1Char('~')) && !keys.contains(word))
            keys << word;
    }
    if (words.isEmpty() && keys.isEmpty())
        return {};
    QStringList lacks;
    if (!words.isEmpty())
        lacks << QStringLiteral("it may not run %1").arg(words.join(QLatin1Char(' ')));
    if (!keys.isEmpty())
        lacks << QStringLiteral("its key patterns do not cover %1")
                     .arg(QStringList(keys)
                              .replaceInStrings(QStringLiteral("~"), QString())
                              .join(QLatin1Char(' ')));
    const QString add = (words + keys).join(QLatin1Char(' '));
    return QStringLiteral("the user '%1' may not %2: %3. Add %4 (ACL SETUSER %1 %4), or use "
                          "a user made with streamscope-cli acl-rule --repair")
        .arg(q(user), action, lacks.join(QStringLiteral(" and ")), add);
}

QString keyAdvice(const QString &user, const QByteArray &key) {
    return QStringLiteral("add a key pattern that covers it (ACL SETUSER %1 ~%2)")
        .arg(q(user), QString::fromUtf8(key));
}

QString explainRefusal(const QString &message, const QString &user) {
    if (!message.contains(QLatin1String("NOPERM")))
        return message;
    static const QRegularExpression command(
        QStringLiteral("no permissions to run the '([^']+)' command"));
    const QRegularExpressionMatch m = command.match(message);
    QString advice;
    if (m.hasMatch())
        advice = commandAdvice(m.captured(1).toUpper().toLatin1(), user);
    else if (message.contains(QLatin1String("access one of the keys"))
             || message.contains(QLatin1String("key")))
        advice = QStringLiteral("the user '%1' may not access this key: its key patterns do not "
                                "cover it (add one: ACL SETUSER %1 ~PATTERN)")
                     .arg(q(user));
    else if (message.contains(QLatin1String("channel")))
        advice = QStringLiteral("the user '%1' may not use this channel (ACL SETUSER %1 &CHANNEL)")
                     .arg(q(user));
    if (advice.isEmpty() || message.contains(advice))
        return message;
    QString out = message.trimmed();
    while (out.endsWith(QLatin1Char('.')))
        out.chop(1);
    return out + QStringLiteral("; ") + advice;
}

} // namespace streamscope
