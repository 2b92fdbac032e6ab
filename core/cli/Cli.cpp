#include "Cli.h"

#include "Publish.h"

#include "AutoClient.h"
#include "ConnectionOptions.h"
#include "ConnectionSettings.h"
#include "ReplicaRole.h"
#include "StreamInfo.h"
#include "StreamTailer.h"
#include "ValueFormat.h"
#include "Version.h"
#include "cli/CliCommon.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

namespace streamscope::cli {

namespace {

const char globalHelpHead[] = R"(Usage: streamscope-cli [connection options] COMMAND [ARGS...]

Watch and debug Redis Streams from a terminal. Same engine as the StreamScope desktop app.

Commands:
  streams [PATTERN]       List streams (SCAN ... TYPE stream): length, first/last ID, groups
  tail STREAM...          Follow streams live, or read them to the end (--exit-at-end)
  publish STREAM F=V...   Append an entry (XADD) and print its ID
  find FIELD VALUE STREAM...  Where is order 4711? Its entries in each stream (bounded)
  export STREAM           A range (--from/--to) or a group's pending list (--group) as
                          JSON Lines or CSV
  import STREAM           Append an export (JSON Lines or CSV) to STREAM
  replay FILE             Replay a capture (tail/export JSON Lines) with new IDs, paced
                          as it was recorded (--speed), into a test server

Consumer groups:
  groups STREAM           Groups: consumers, pending, lag, time lag, oldest pending age
  consumers STREAM GROUP  Consumers: pending, idle, inactive
  pending STREAM GROUP    The pending entries: ID, consumer, idle, deliveries
  doctor [PATTERN]        Find dead consumers, stuck and poison entries, stalled and lagging
                          groups (exit 1 when something is found)
  ack STREAM GROUP ID...                       Acknowledge entries
  claim STREAM GROUP CONSUMER --min-idle MS ID...  Give entries to another consumer
  autoclaim STREAM GROUP CONSUMER --min-idle MS    Claim every entry idle that long
  dead-letter STREAM GROUP ID... [--to STREAM] Move entries to a dead-letter stream
  redrive DLQ (--ids ID...|--all) [--dry-run]  Send dead letters back to their streams
  group create|setid|destroy|delconsumer ...   Manage groups
  group rewind STREAM GROUP --to ID|TIME|start|end  Re-deliver or skip entries, previewed

Monitoring:
  serve [PATTERN] --listen HOST:PORT  The health rules, always on: Prometheus /metrics,
                          /health, /ready, and alerts to a webhook or command

ACL users:
  acl-rule [--repair] [--user NAME] [PATTERN...]  Print the minimal ACL SETUSER rule for a
                          monitoring user (or one that may repair)

Connection options (as redis-cli, plus Sentinel and SSH):
)";

const char globalHelpTail[] =
    R"(  --timeout MS            Connect and command timeout (default 5000)
  --json                  Machine-readable output
  --read-only             Refuse every command that would change data (nothing is sent)
  --help                  This help; 'streamscope-cli COMMAND --help' for a command
  --version               Print the version

Exit codes: 0 success, 1 doctor found something, 2 usage error, 3 connection or
authentication failure, or a partial view (streams/doctor on a cluster could not examine
a node: the node and its slots are named; a stream the ACL user may not read; doctor rules
not evaluated for lack of a permission), 4 server error (the server's message is
printed), 5 refused by --read-only, 6 the output could not be written, 7 an export lost
entries of its range (trimmed or deleted while it ran).
)";

QByteArray globalHelp() {
    return QByteArray(globalHelpHead)
           + ConnectionOptions::help(ConnectionOptions::Letters::RedisCli).toUtf8()
           + globalHelpTail;
}

// Global options every command accepts.
QList<QCommandLineOption> globalOptions() {
    return ConnectionOptions::options(ConnectionOptions::Letters::RedisCli)
           + QList<QCommandLineOption>{
               {QStringLiteral("c"),
                QStringLiteral("Accepted as in redis-cli (cluster: detected).")},
               {QStringLiteral("no-auth-warning"),
                QStringLiteral("No warning about a password given with -a or -u.")},
               {QStringLiteral("timeout"), QStringLiteral("Timeout in ms."), QStringLiteral("MS")},
               {QStringLiteral("json"), QStringLiteral("JSON output.")},
               {QStringLiteral("read-only"), QStringLiteral("Refuse writes.")},
               {QStringLiteral("help"), QStringLiteral("Show help.")},
               {QStringLiteral("version"), QStringLiteral("Show the version.")},
           };
}

Result<ConnectionSettings> settingsFrom(const QCommandLineParser &p) {
    auto parsed = ConnectionOptions::settingsFrom(p, ConnectionOptions::Letters::RedisCli);
    if (!parsed.ok())
        return parsed.error();
    ConnectionSettings s = parsed.value();
    if (p.isSet(QStringLiteral("timeout"))) {
        bool ok = false;
        const int ms = p.value(QStringLiteral("timeout")).toInt(&ok);
        if (!ok || ms <= 0)
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("--timeout: \"%1\" is not a positive number of "
                                        "milliseconds")
                             .arg(p.value(QStringLiteral("timeout"))));
        s.connectTimeoutMs = s.commandTimeoutMs = ms;
    }
    s.readOnly = p.isSet(QStringLiteral("read-only"));
    s.clientName = QStringLiteral("streamscope-cli");
    return s;
}

QString idOrDash(const std::optional<StreamId> &id) {
    return id ? id->toString() : QStringLiteral("-");
}

// ---- streams ------------------------------------------------------------------------------

int runStreams(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QStringList args = p.positionalArguments();
    if (args.size() > 1)
        return usageError(QStringLiteral("streams takes at most one PATTERN"),
                          QStringLiteral("streams"));
    const QByteArray pattern = args.isEmpty() ? QByteArray("*") : args.first().toUtf8();
    auto connection = connect(settings);
    if (!connection.ok())
        return fail(connection.error());
    auto listing = listStreams(*connection.value(), pattern);
    if (!listing.ok())
        return fail(listing.error());
    const bool onCluster = connection.value()->topology() == RedisClient::Topology::Cluster;
    const bool namesOnly = p.isSet(QStringLiteral("names"));
    // The server's place in replication (a cluster's nodes each have their own: not asked).
    // A refused INFO leaves it unknown; it never fails the listing.
    ReplicationState replication;
    QString replicationRefused;
    if (!onCluster && !namesOnly) {
        auto info = connection.value()->command({"INFO", "replication"});
        if (!info.ok())
            return fail(info.error());
        if (info->isError())
            replicationRefused = info->errorMessage();
        else
            replication = ReplicationState::fromInfo(info->bytes());
    }

    Output out;
    if (namesOnly) { // one a line, escaped as in the table (a name never spans two lines)
        for (const StreamInfo &s : listing->streams)
            out << valueformat::displayText(s.name) << "\n";
    } else if (json) {
        QJsonArray streams;
        for (const StreamInfo &s : listing->streams) {
            QJsonObject o{{QStringLiteral("name"), valueformat::displayText(s.name)},
                          {QStringLiteral("node"), s.node},
                          {QStringLiteral("slot"), s.slot >= 0 ? QJsonValue(s.slot) : QJsonValue()},
                          {QStringLiteral("length"), s.length},
                          {QStringLiteral("first_id"),
                           s.firstEntryId ? QJsonValue(s.firstEntryId->toString()) : QJsonValue()},
                          {QStringLiteral("last_id"),
                           s.lastEntryId ? QJsonValue(s.lastEntryId->toString()) : QJsonValue()},
                          {QStringLiteral("last_generated_id"), s.lastGeneratedId.toString()},
                          {QStringLiteral("groups"), s.groups}};
            if (s.entriesAdded)
                o.insert(QStringLiteral("entries_added"), *s.entriesAdded);
            if (!s.noAccess.isEmpty()) { // the user may not read it: its figures are unknown
                for (const char *unknown :
                     {"length", "first_id", "last_id", "last_generated_id", "groups"})
                    o.insert(QLatin1String(unknown), QJsonValue());
                o.insert(QStringLiteral("no_access"), s.noAccess);
            }
            streams.append(o);
        }
        QJsonArray missing;
        for (const MissingNode &m : listing->missing)
            missing.append(QJsonObject{{QStringLiteral("node"), m.endpoint},
                                       {QStringLiteral("slots"), m.slots},
                                       {QStringLiteral("reason"), m.reason}});
        QJsonObject doc{{QStringLiteral("streams"), streams},
                        {QStringLiteral("truncated"), listing->truncated},
                        {QStringLiteral("missing"), missing}};
        if (!onCluster) {
            const bool replica = replication.role == ServerRole::Replica;
            QJsonObject server{
                {QStringLiteral("role"), replica ? QStringLiteral("replica")
                                         : replication.role == ServerRole::Primary
                                             ? QStringLiteral("primary")
                                             : QStringLiteral("unknown")},
                {QStringLiteral("replicas"), replication.connectedReplicas},
                {QStringLiteral("primary"),
                 replica ? QJsonValue(replication.primaryEndpoint()) : QJsonValue()},
                {QStringLiteral("replication_lag_bytes"), replica && replication.lagBytes >= 0
                                                              ? QJsonValue(replication.lagBytes)
                                                              : QJsonValue()},
                {QStringLiteral("link"), !replica             ? QJsonValue()
                                         : replication.linkUp ? QStringLiteral("up")
                                                              : QStringLiteral("down")},
                {QStringLiteral("text"), replication.describe()}};
            if (replica && !replication.linkUp)
                server.insert(QStringLiteral("link_down_seconds"),
                              replication.linkDownSinceSeconds >= 0
                                  ? QJsonValue(replication.linkDownSinceSeconds)
                                  : QJsonValue());
            if (replica)
                server.insert(QStringLiteral("lag_note"), replication.lagNote);
            if (!replicationRefused.isEmpty())
                server.insert(
                    QStringLiteral("role_note"),
                    QStringLiteral("INFO replication was refused: %1").arg(replicationRefused));
            doc.insert(QStringLiteral("server"), server);
        }
        out << QJsonDocument(doc).toJson(QJsonDocument::Compact) << "\n";
    } else {
        QList<QStringList> rows;
        for (const StreamInfo &s : listing->streams) {
            QStringList row{valueformat::singleLine(s.name, 80), QString::number(s.length),
                            idOrDash(s.firstEntryId), idOrDash(s.lastEntryId),
                            QString::number(s.groups)};
            if (!s.noAccess.isEmpty()) // listed, figures unknown: the reason is on stderr
                row = QStringList{valueformat::singleLine(s.name, 80), QStringLiteral("?"),
                                  QStringLiteral("?"), QStringLiteral("?"),
                                  QStringLiteral("? (no permission)")};
            if (onCluster) // where each stream lives: the node to look at when one is down
                row << s.node << QString::number(s.slot);
            rows.append(row);
        }
        QStringList header{QStringLiteral("NAME"), QStringLiteral("LENGTH"),
                           QStringLiteral("FIRST-ID"), QStringLiteral("LAST-ID"),
                           QStringLiteral("GROUPS")};
        if (onCluster)
            header << QStringLiteral("NODE") << QStringLiteral("SLOT");
        // The first line says what is listed when it is not a lone primary: a replica's data
        // may lag behind, and its primary is where writes go.
        if (replication.role == ServerRole::Replica || replication.connectedReplicas > 0)
            out << QStringLiteral("Server: %1\n").arg(replication.describe());
        if (rows.isEmpty())
            out << QStringLiteral("No streams match \"%1\"%2.\n")
                       .arg(QString::fromUtf8(pattern),
                            listing->partial() ? QStringLiteral(" on the nodes that answered")
                                               : QString());
        else
            out << table(header, rows);
    }
    if (listing->truncated)
        printError(QStringLiteral("the listing was cut short at %1 streams; narrow it with a "
                                  "PATTERN")
                       .arg(listing->streams.size()));
    // A partial listing is never a success: the streams of these slots are unknown, not absent.
    for (const MissingNode &m : listing->missing)
        printError(QStringLiteral("partial listing: %1").arg(missingNodeText(m)));
    // So is one with streams the user may not read: they exist, their figures are unknown.
    for (const StreamInfo &s : listing->streams)
        if (!s.noAccess.isEmpty())
            printError(QStringLiteral("partial listing: stream %1: %2; %3")
                           .arg(valueformat::singleLine(s.name, 80), s.noAccess,
                                keyAdvice(settings.user, s.name)));
    return listing->partial() ? ConnectionError : Success;
}

// ---- tail ---------------------------------------------------------------------------------

int runTail(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QStringList streams = p.positionalArguments();
    if (streams.isEmpty())
        return usageError(QStringLiteral("tail needs at least one STREAM"), QStringLiteral("tail"));
    const QString from =
        p.isSet(QStringLiteral("from")) ? p.value(QStringLiteral("from")) : QStringLiteral("$");
    if (from != QLatin1String("$") && from != QLatin1String("0")) {
        if (auto id = StreamId::parse(from.toUtf8()); !id.ok())
            return usageError(QStringLiteral("--from: %1").arg(id.error().message),
                              QStringLiteral("tail"));
    }
    qint64 limit = -1;
    if (p.isSet(QStringLiteral("count"))) {
        bool ok = false;
        limit = p.value(QStringLiteral("count")).toLongLong(&ok);
        if (!ok || limit <= 0)
            return usageError(QStringLiteral("--count: \"%1\" is not a positive number")
                                  .arg(p.value(QStringLiteral("count"))),
                              QStringLiteral("tail"));
    }
    QString format = json ? QStringLiteral("jsonl") : QStringLiteral("table");
    if (p.isSet(QStringLiteral("format")))
        format = p.value(QStringLiteral("format"));
    if (format != QLatin1String("table") && format != QLatin1String("jsonl")
        && format != QLatin1String("count"))
        return usageError(
            QStringLiteral("--format: \"%1\" is not one of table, jsonl, count").arg(format),
            QStringLiteral("tail"));
    int batch = 1000;
    if (p.isSet(QStringLiteral("batch"))) {
        bool ok = false;
        batch = p.value(QStringLiteral("batch")).toInt(&ok);
        if (!ok || batch <= 0)
            return usageError(QStringLiteral("--batch: \"%1\" is not a positive number")
                                  .arg(p.value(QStringLiteral("batch"))),
                              QStringLiteral("tail"));
    }
    const bool exitAtEnd = p.isSet(QStringLiteral("exit-at-end"));
    // Following live, a tail retries for ever (with back-off); reading to the end, it is a job
    // that must end: after this many lost connections in a row with nothing read in between
    // (a server that kills us under an entry bigger than its client-output-buffer-limit), it
    // gives up with the reason.
    int maxRetries = exitAtEnd ? 8 : -1;
    if (p.isSet(QStringLiteral("max-retries"))) {
        bool ok = false;
        maxRetries = p.value(QStringLiteral("max-retries")).toInt(&ok);
        if (!ok || maxRetries < 0)
            return usageError(QStringLiteral("--max-retries: \"%1\" is not a whole number >= 0")
                                  .arg(p.value(QStringLiteral("max-retries"))),
                              QStringLiteral("tail"));
    }

    StreamTailer::Options options;
    options.count = batch;
    if (p.isSet(QStringLiteral("batch")))
        options.catchUpCount = batch; // the size asked for, all the way
    options.retryInitialConnect = false;
    options.stopWhenCaughtUp = exitAtEnd;
    TailController controller(settings, options);
    StreamTailer *tailer = controller.tailer();
    for (const QString &s : streams)
        tailer->addStream(s.toUtf8(), from.toUtf8());

    Output out;
    qint64 received = 0;
    int exitCode = Success;
    bool done = false;
    auto finish = [&](int code) {
        if (done)
            return;
        done = true;
        exitCode = code;
        QCoreApplication::exit(code); // controller.stop() below ends the reader
    };
    int retriesInARow = 0;
    QObject context; // lives in this (the main) thread: the handlers below run here
    const bool table = format == QLatin1String("table");
    const bool jsonl = format == QLatin1String("jsonl");
    QObject::connect(
        tailer, &StreamTailer::entriesReceived, &context,
        [&](const StreamEntryList &entries) {
            if (done)
                return;
            retriesInARow = 0;
            QByteArray text;
            for (const StreamEntry &e : entries) {
                if (limit >= 0 && received >= limit)
                    break;
                ++received;
                if (jsonl) {
                    valueformat::appendEntryJson(text, e);
                } else if (table) {
                    text += e.id.timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")).toUtf8();
                    text += "  " + valueformat::singleLine(e.stream, 60).toUtf8() + "  "
                            + e.id.toByteArray() + "  "
                            + valueformat::entrySummary(e, 1000).toUtf8() + '\n';
                }
            }
            if (!text.isEmpty()) {
                out << text;
                out.flush();
                if (out.failed())
                    finish(Success); // run() turns it into exit 6 and says what failed
            }
            if (limit >= 0 && received >= limit)
                finish(Success);
        },
        Qt::QueuedConnection);
    QObject::connect(
        tailer, &StreamTailer::caughtUp, &context,
        [&] {
            if (exitAtEnd)
                finish(Success);
        },
        Qt::QueuedConnection);
    QObject::connect(
        tailer, &StreamTailer::failed, &context, [&](const Error &error) { finish(fail(error)); },
        Qt::QueuedConnection);
    QObject::connect(
        tailer, &StreamTailer::streamFailed, &context,
        [&](const QByteArray &, const QString &message) {
            printError(explainRefusal(message, settings.user));
        },
        Qt::QueuedConnection);
    QObject::connect(
        tailer, &StreamTailer::gapDetected, &context,
        [&](const TailGap &gap) { printError(QStringLiteral("warning: ") + gap.describe()); },
        Qt::QueuedConnection);
    QObject::connect(
        tailer, &StreamTailer::streamReset, &context,
        [&](const TailReset &reset) { printError(QStringLiteral("warning: ") + reset.describe()); },
        Qt::QueuedConnection);
    // A node the tail reads from failed over (or its slots moved): which node, to whom.
    QObject::connect(
        tailer, &StreamTailer::topologyChanged, &context,
        [&](const QString &message) { printError(QStringLiteral("warning: ") + message); },
        Qt::QueuedConnection);
    QObject::connect(
        tailer, &StreamTailer::stateChanged, &context,
        [&](TailState state, const QString &detail) {
            if (state != TailState::Reconnecting)
                return;
            printError(QStringLiteral("reconnecting: %1").arg(detail));
            // "connecting to ..." is an attempt under way, not one more lost connection.
            const bool attempt = detail.startsWith(QLatin1String("connecting to "));
            if (!attempt && maxRetries >= 0 && ++retriesInARow > maxRetries) {
                printError(QStringLiteral("giving up after %1 lost connections in a row with "
                                          "nothing read in between; the last: %2")
                               .arg(retriesInARow)
                               .arg(detail.section(QLatin1String("; retrying in"), 0, 0)));
                finish(ConnectionError);
            }
        },
        Qt::QueuedConnection);

    controller.start();
    QCoreApplication::exec();
    controller.stop();
    if (format == QLatin1String("count"))
        out << QByteArray::number(received) << "\n";
    out.flush();
    return exitCode;
}

// ---- publish ------------------------------------------------------------------------------

int runPublish(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QString cmdName = QStringLiteral("publish");
    const QStringList args = p.positionalArguments();
    if (args.size() < 2)
        return usageError(QStringLiteral("publish needs a STREAM and at least one FIELD=VALUE"),
                          cmdName);
    const QByteArray stream = args.first().toUtf8();
    if (stream.isEmpty())
        return usageError(QStringLiteral("the stream name is empty"), cmdName);

    PublishRequest request;
    request.stream = stream;
    if (p.isSet(QStringLiteral("maxlen")) && p.isSet(QStringLiteral("minid")))
        return usageError(QStringLiteral("use --maxlen or --minid, not both"), cmdName);
    for (const char *option : {"maxlen", "minid"}) {
        QString v = p.value(QLatin1String(option));
        if (!p.isSet(QLatin1String(option)))
            continue;
        request.trim = qstrcmp(option, "maxlen") == 0 ? PublishRequest::Trim::MaxLen
                                                      : PublishRequest::Trim::MinId;
        request.approximate = v.startsWith(QLatin1Char('~'));
        if (request.approximate || v.startsWith(QLatin1Char('=')))
            v = v.mid(1);
        request.trimValue = v.toUtf8();
    }
    if (p.isSet(QStringLiteral("id")))
        request.id = p.value(QStringLiteral("id")).toUtf8();
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &pair = args.at(i);
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        if (eq < 0)
            return usageError(QStringLiteral("\"%1\" is not FIELD=VALUE").arg(pair), cmdName);
        request.fields.append({pair.left(eq).toUtf8(), pair.mid(eq + 1).toUtf8()});
    }
    // The same checks as the publish form, before anything is sent.
    if (const PublishProblems problems = validate(request); !problems.isEmpty())
        return usageError(problems.first().message, cmdName);

    auto connection = connect(settings);
    if (!connection.ok())
        return fail(connection.error());
    if (auto problem = checkIdAgainstStream(*connection.value(), request))
        return usageError(problem->message, cmdName);
    Placeholders placeholders;
    auto reply = connection.value()->command(
        xaddCommand(request, placeholders, 1, QDateTime::currentMSecsSinceEpoch()));
    if (!reply.ok())
        return fail(onStreamNode(*connection.value(), stream, reply.error(), true));
    if (reply->isError())
        return fail(Error(Error::Kind::Server, describePublishError(reply.value())));
    Output out;
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("stream"), args.first()},
                                         {QStringLiteral("id"), QString::fromUtf8(reply->bytes())}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    else
        out << reply->bytes() << "\n";
    return Success;
}

// ---- acl-rule -----------------------------------------------------------------------------

int runAclRule(const QCommandLineParser &p, const ConnectionSettings &, bool json) {
    const bool repair = p.isSet(QStringLiteral("repair"));
    const QString user = p.isSet(QStringLiteral("user"))
                             ? p.value(QStringLiteral("user"))
                             : (repair ? QStringLiteral("streamscope-repair")
                                       : QStringLiteral("streamscope-monitor"));
    if (user.isEmpty() || user.contains(QLatin1Char(' ')))
        return usageError(QStringLiteral("--user: \"%1\" is not a user name").arg(user),
                          QStringLiteral("acl-rule"));
    // A random password unless one is given: the line is ready to paste, never with a
    // well-known password in it.
    QString password = p.value(QStringLiteral("new-password"));
    if (!p.isSet(QStringLiteral("new-password"))) {
        QByteArray random(16, '\0');
        for (char &c : random)
            c = char(QRandomGenerator::system()->bounded(256));
        password = QString::fromLatin1(random.toHex());
    }
    if (password.isEmpty() || password.contains(QLatin1Char(' ')))
        return usageError(QStringLiteral("--new-password: empty or with a space"),
                          QStringLiteral("acl-rule"));
    const QStringList patterns = p.positionalArguments();
    for (const QString &pattern : patterns)
        if (pattern.isEmpty() || pattern.contains(QLatin1Char(' ')))
            return usageError(QStringLiteral("\"%1\" is not a key pattern").arg(pattern),
                              QStringLiteral("acl-rule"));
    // The desktop app's service map infers producers from CLIENT LIST (only while it is shown).
    const QString rule =
        aclRule(user, password, patterns, repair) + QStringLiteral(" +client|list");
    Output out;
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("user"), user},
                                         {QStringLiteral("password"), password},
                                         {QStringLiteral("repair"), repair},
                                         {QStringLiteral("rule"), rule}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    else
        out << rule << "\n";
    if (!p.isSet(QStringLiteral("new-password")) && !json)
        printError(QStringLiteral("the password is random: connect with --user %1 and "
                                  "REDISCLI_AUTH=%2 (or -a)")
                       .arg(user, password));
    return Success;
}

QList<CommandSpec> commands() {
    return {
        {"streams",
         "Usage: streamscope-cli [connection options] streams [PATTERN] [--json|--names]\n\n"
         "Lists the streams whose names match PATTERN (glob, default *), found with\n"
         "SCAN ... TYPE stream (never KEYS): name, length, first and last entry ID, groups.\n"
         "On a Redis Cluster every primary is scanned and each stream shows its NODE and\n"
         "SLOT. A node that cannot be reached is named with its slots on stderr (--json:\n"
         "\"missing\": [{\"node\",\"slots\",\"reason\"}]) and the exit code is 3:\n"
         "a partial listing. So is one with streams the ACL user may not read (outside its\n"
         "key patterns): each is listed with '?' figures and named on stderr (--json:\n"
         "\"no_access\": reason, figures null).\n\n"
         "Options:\n"
         "  --names                 Only the names, one a line (escaped as in the table: a\n"
         "                          name never spans two lines); for scripts and completion\n",
         {{QStringLiteral("names"), QStringLiteral("Names only.")}},
         runStreams},
        {"tail",
         "Usage: streamscope-cli [connection options] tail STREAM... [options]\n\n"
         "Follows the streams live with blocking XREAD, resuming after connection loss\n"
         "without losing or repeating entries, in time order across streams. Warns when\n"
         "entries were trimmed before they could be read (or possibly were: the warning says\n"
         "which), and when a stream was reset or replaced (FLUSHALL, another dataset): then it\n"
         "reads the new data from its first entry.\n\n"
         "Options:\n"
         "  --from ID|$|0           Where to start: $ new entries only (default), 0 from the\n"
         "                          beginning, or after an entry ID\n"
         "  --count N               Stop after N entries\n"
         "  --exit-at-end           Stop once every stream has been read to its end\n"
         "  --format table|jsonl|count\n"
         "                          table (default), one JSON object per line\n"
         "                          {\"stream\",\"id\",\"fields\"}, or only the number received\n"
         "  --batch N               Entries per stream per XREAD, kept as given (default: 1000,\n"
         "                          growing to 16000 while a backlog of small entries is read)\n"
         "  --max-retries N         Give up (exit 3) after N lost connections in a row with\n"
         "                          nothing read in between (default: 8 with --exit-at-end,\n"
         "                          never otherwise)\n"
         "  --json                  Same as --format jsonl\n"
         "jsonl is lossless (import reads it back): UTF-8 names and values are JSON strings,\n"
         "other bytes {\"base64\":\"...\"}; fields is an array of [name, value] pairs when\n"
         "names repeat or are not UTF-8.\n",
         {{QStringLiteral("from"), QStringLiteral("Start."), QStringLiteral("ID")},
          {QStringLiteral("count"), QStringLiteral("Limit."), QStringLiteral("N")},
          {QStringLiteral("exit-at-end"), QStringLiteral("Exit at end.")},
          {QStringLiteral("format"), QStringLiteral("Format."), QStringLiteral("FORMAT")},
          {QStringLiteral("batch"), QStringLiteral("Batch size."), QStringLiteral("N")},
          {QStringLiteral("max-retries"), QStringLiteral("Retries."), QStringLiteral("N")}},
         runTail},
        {"publish",
         "Usage: streamscope-cli [connection options] publish STREAM FIELD=VALUE... [options]\n\n"
         "Appends one entry with XADD and prints its ID. Arguments are checked before\n"
         "anything is sent. Values may hold placeholders, filled when sent: {{uuid}},\n"
         "{{now}} (ISO 8601 UTC), {{nowms}}, {{seq}} (1) and {{randint A B}}.\n\n"
         "Options:\n"
         "  --id ID                 Explicit entry ID (<ms>-<seq> or <ms>-*), default *\n"
         "  --maxlen [~]N           Trim to N entries (~: approximately, cheaper)\n"
         "  --minid [~]ID           Trim entries older than ID\n"
         "  --json                  Print {\"stream\",\"id\"}\n",
         {{QStringLiteral("id"), QStringLiteral("ID."), QStringLiteral("ID")},
          {QStringLiteral("maxlen"), QStringLiteral("MAXLEN."), QStringLiteral("N")},
          {QStringLiteral("minid"), QStringLiteral("MINID."), QStringLiteral("ID")}},
         runPublish},
        {"find",
         "Usage: streamscope-cli [connection options] find FIELD VALUE STREAM... [options]\n\n"
         "Finds the entries whose FIELD equals VALUE in each STREAM, reading history newest\n"
         "first by ID range (XREVRANGE pages), never whole: at most --max-scan entries per\n"
         "stream. Streams are searched in the order given; once the first has a hit, the\n"
         "others are searched only back to it (flows move forward in time). Says when a\n"
         "search was cut short and how far back it looked. Exit 0 when found, 1 when not.\n\n"
         "Options:\n"
         "  --max-scan N            Entries read per stream at most (default 200000)\n"
         "  --json                  {\"field\",\"value\",\"streams\":[{\"stream\",\"entries\",\n"
         "                          \"scanned\",\"cutShort\",\"reached\"}]}\n\n"
         "Example: streamscope-cli find orderId 4711 order-events payment-events\n",
         {{QStringLiteral("max-scan"), QStringLiteral("Max scan."), QStringLiteral("N")}},
         runFind},
        {"export",
         "Usage: streamscope-cli [connection options] export STREAM [options]\n\n"
         "Writes entries of STREAM, read forward by ID in pages of 1,000, or a group's whole\n"
         "pending list, as JSON Lines (one object a line) or CSV (RFC 4180, a column per field).\n"
         "A file is written whole or not at all; stderr says exactly how many were written.\n\n"
         "Options:\n"
         "  --from ID|TIME          Start (inclusive): an entry ID, 14:05 or 2026-11-25 14:05:30;\n"
         "                          - is the stream's start (as in XRANGE)\n"
         "  --to ID|TIME            End (inclusive); default (and +) the stream's end\n"
         "  --group GROUP           Export GROUP's pending list instead (ID, consumer, idle,\n"
         "                          deliveries)\n"
         "  --format jsonl|csv      Default jsonl (lossless, see tail --help)\n"
         "  --output FILE           Default - (stdout)\n"
         "  --allow-gaps            Succeed (with a warning giving the count) when entries of\n"
         "                          the range are trimmed or deleted while the export runs;\n"
         "                          without it that fails (exit 7) and a file is not written\n"
         "A time ends at the precision typed: --to 14:05:30 includes all of 14:05:30.\n"
         "Exit 6 when the output cannot be written (disk full, closed stdout).\n",
         {{QStringLiteral("from"), QStringLiteral("From."), QStringLiteral("ID")},
          {QStringLiteral("to"), QStringLiteral("To."), QStringLiteral("ID")},
          {QStringLiteral("group"), QStringLiteral("Group."), QStringLiteral("GROUP")},
          {QStringLiteral("format"), QStringLiteral("Format."), QStringLiteral("FORMAT"),
           QStringLiteral("jsonl")},
          {QStringLiteral("output"), QStringLiteral("Output."), QStringLiteral("FILE")},
          {QStringLiteral("allow-gaps"), QStringLiteral("Accept missing entries.")}},
         runExport},
        {"import",
         "Usage: streamscope-cli [connection options] import STREAM [options]\n\n"
         "Appends the entries of an export (JSON Lines, or the CSV export) to STREAM with\n"
         "XADD, pipelined in batches. The whole input is checked first: a malformed line is\n"
         "refused with its line number and nothing is sent. Refused under --read-only.\n\n"
         "Options:\n"
         "  --input FILE            Default - (stdin)\n"
         "  --format jsonl|csv      Default: csv for a .csv file, otherwise jsonl\n"
         "  --keep-ids              Keep the original IDs (they must increase and be greater\n"
         "                          than STREAM's last ID); default: new IDs (*)\n"
         "  --batch N               Entries per round trip (default 1000)\n"
         "  --json                  Print {\"stream\",\"added\"}\n",
         {{QStringLiteral("input"), QStringLiteral("Input."), QStringLiteral("FILE")},
          {QStringLiteral("format"), QStringLiteral("Format."), QStringLiteral("FORMAT")},
          {QStringLiteral("keep-ids"), QStringLiteral("Keep IDs.")},
          {QStringLiteral("batch"), QStringLiteral("Batch size."), QStringLiteral("N")}},
         runImport},
        {"acl-rule",
         "Usage: streamscope-cli acl-rule [--repair] [--user NAME] [--new-password PW] "
         "[PATTERN...]\n\n"
         "Prints the minimal ACL rule for a StreamScope user as a ready ACL SETUSER line\n"
         "(nothing is sent): a read-only monitor (streams, groups, consumers, pending, doctor,\n"
         "tail, the desktop app's polling), or with --repair one that may also acknowledge,\n"
         "claim, dead-letter, manage groups, trim, delete and publish. Each PATTERN becomes a\n"
         "key pattern ~PATTERN (default ~*) and ~{PATTERN}:dlq* (same-slot dead-letter streams\n"
         "and the markers of dead-lettering and redrive across cluster slots).\n"
         "+acl|whoami and +acl|dryrun let StreamScope know up front what the user may do\n"
         "(DRYRUN shows what any user may run, never a password): leave them out and each\n"
         "refusal is reported where it comes. +client|list lets the desktop app's service\n"
         "map see which clients produce (without it the map says producers are unknown).\n\n"
         "Options:\n"
         "  --repair                Add what the repairs need\n"
         "  --user NAME             The user (default streamscope-monitor, or\n"
         "                          streamscope-repair with --repair)\n"
         "  --new-password PW       Its password (default: a random one, printed on stderr)\n"
         "  --json                  {\"user\",\"password\",\"repair\",\"rule\"}\n\n"
         "Example: streamscope-cli acl-rule --user mon 'order-*' | redis-cli -h HOST\n",
         {{QStringLiteral("repair"), QStringLiteral("Repair too.")},
          {QStringLiteral("new-password"), QStringLiteral("Password."), QStringLiteral("PW")}},
         runAclRule},
        {"groups",
         "Usage: streamscope-cli [connection options] groups STREAM [--json]\n\n"
         "The stream's consumer groups: consumers, pending entries, last-delivered-id,\n"
         "entries-read, lag (entries not yet delivered to the group; '~' marks an estimate,\n"
         "'unknown' says why), time lag (age of the oldest entry not yet delivered) and the\n"
         "age of the oldest pending entry.\n",
         {},
         runGroups},
        {"consumers",
         "Usage: streamscope-cli [connection options] consumers STREAM GROUP [--json]\n\n"
         "The group's consumers: pending entries, idle time, and (7.2+) inactive time.\n",
         {},
         runConsumers},
        {"pending",
         "Usage: streamscope-cli [connection options] pending STREAM GROUP [options]\n\n"
         "The group's pending entries, oldest first: ID, owner, idle time, deliveries.\n\n"
         "Options:\n"
         "  --consumer C            Only this consumer's entries\n"
         "  --min-idle MS           Only entries idle at least MS\n"
         "  --count N               At most N entries (default 100)\n",
         {{QStringLiteral("consumer"), QStringLiteral("Consumer."), QStringLiteral("C")},
          {QStringLiteral("min-idle"), QStringLiteral("Min idle."), QStringLiteral("MS")},
          {QStringLiteral("count"), QStringLiteral("Count."), QStringLiteral("N")}},
         runPending},
        {"doctor",
         "Usage: streamscope-cli [connection options] doctor [PATTERN] [options]\n\n"
         "Evaluates every stream matching PATTERN (default: all) and reports findings:\n"
         "dead-consumer, stuck-entry, poison-entry, no-consumers, stalled-group,\n"
         "lagging-group, lag-unknown, trimmed-unread, dangling-pending.\n"
         "Exit code 0 when there are none, 1 when there are, 3 when it cannot connect or\n"
         "when a cluster node could not be examined (a partial view: the node and its slots\n"
         "are named, in --json as \"missing\": [{\"node\",\"slots\",\"reason\"}]), or when\n"
         "the ACL user may not read a stream (\"no_access\") or a rule could not be evaluated\n"
         "(without XPENDING: stuck-entry, poison-entry, dangling-pending; --json:\n"
         "\"not_evaluated\": [{\"rules\",\"reason\",\"groups\"}]).\n\n"
         "Options:\n"
         "  --idle-threshold MS     Idle time that makes a consumer dead or an entry stuck\n"
         "                          (default 60000)\n"
         "  --max-deliveries N      Deliveries that make an entry poison (default 5)\n"
         "  --window SEC            Watch for SEC seconds to judge progress (default 0: one\n"
         "                          snapshot)\n"
         "  --json                  One JSON object: server, streams (with node, slot),\n"
         "                          groups, findings, missing\n",
         {{QStringLiteral("idle-threshold"), QStringLiteral("Idle."), QStringLiteral("MS")},
          {QStringLiteral("max-deliveries"), QStringLiteral("Deliveries."), QStringLiteral("N")},
          {QStringLiteral("window"), QStringLiteral("Window."), QStringLiteral("SEC")}},
         runDoctorCommand},
        {"ack",
         "Usage: streamscope-cli [connection options] ack STREAM GROUP ID...\n\n"
         "Acknowledges pending entries (XACK). Refused under --read-only.\n",
         {},
         runAck},
        {"claim",
         "Usage: streamscope-cli [connection options] claim STREAM GROUP CONSUMER --min-idle MS "
         "ID...\n\n"
         "Gives pending entries idle at least MS to CONSUMER (XCLAIM; counts a delivery).\n"
         "Prints the IDs claimed. Refused under --read-only.\n",
         {{QStringLiteral("min-idle"), QStringLiteral("Min idle."), QStringLiteral("MS")}},
         runClaim},
        {"autoclaim",
         "Usage: streamscope-cli [connection options] autoclaim STREAM GROUP CONSUMER "
         "--min-idle MS [--count N]\n\n"
         "Claims up to N (default 100) pending entries idle at least MS for CONSUMER\n"
         "(XAUTOCLAIM). Refused under --read-only.\n",
         {{QStringLiteral("min-idle"), QStringLiteral("Min idle."), QStringLiteral("MS")},
          {QStringLiteral("count"), QStringLiteral("Count."), QStringLiteral("N")}},
         runAutoclaim},
        {"dead-letter",
         "Usage: streamscope-cli [connection options] dead-letter STREAM GROUP ID... [--to "
         "STREAM]\n\n"
         "Copies each pending entry with its origin and delivery count to the dead-letter\n"
         "stream (default STREAM:dlq) and acknowledges it, in one MULTI/EXEC.\n"
         "Refused under --read-only.\n",
         {{QStringLiteral("to"), QStringLiteral("Target."), QStringLiteral("STREAM")}},
         runDeadLetter},
        {"group",
         "Usage: streamscope-cli [connection options] group VERB ...\n\n"
         "  group create STREAM GROUP [--from ID|$|0] [--mkstream]\n"
         "  group setid STREAM GROUP ID|$ [--entries-read N]\n"
         "  group destroy STREAM GROUP\n"
         "  group delconsumer STREAM GROUP CONSUMER   (drops the consumer's pending entries!)\n"
         "  group rewind STREAM GROUP --to ID|TIME|start|end [--dry-run]\n"
         "                          Makes the first entry at or after --to the next one the\n"
         "                          group receives (see 'group rewind --help')\n"
         "Refused under --read-only.\n",
         {{QStringLiteral("from"), QStringLiteral("Start."), QStringLiteral("ID")},
          {QStringLiteral("mkstream"), QStringLiteral("Create the stream.")},
          {QStringLiteral("entries-read"), QStringLiteral("Entries read."), QStringLiteral("N")},
          {QStringLiteral("to"), QStringLiteral("Rewind target."), QStringLiteral("TARGET")},
          {QStringLiteral("dry-run"), QStringLiteral("Preview only.")},
          {QStringLiteral("yes"), QStringLiteral("No confirmation.")}},
         runGroupAdmin},
        serveCommand(),
        redriveCommand(),
        replayCommand(),
    };
}

// The options that take a value, to find the command word among the arguments.
bool takesValue(const QString &arg) {
    static const QStringList withValue =
        ConnectionOptions::takingValue(ConnectionOptions::Letters::RedisCli)
        << QStringLiteral("--timeout");
    return withValue.contains(arg);
}

// An option as typed, "-h" or "--url", with "=VALUE" appended when it takes a value (its value's
// name: "--output=FILE").
QStringList optionWords(const QList<QCommandLineOption> &options) {
    QStringList words;
    for (const QCommandLineOption &o : options)
        for (const QString &name : o.names())
            words << (name.size() == 1 ? QStringLiteral("-") : QStringLiteral("--")) + name
                         + (o.valueName().isEmpty() ? QString() : QLatin1Char('=') + o.valueName());
    return words;
}

// The positional words of a usage line after `after` (STREAM, GROUP, [PATTERN], ID...), up to
// the first option or "[options]".
QStringList usageArgs(const QString &line, const QString &after) {
    const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QStringList args;
    for (qsizetype i = words.indexOf(after) + 1; i > 0 && i < words.size(); ++i) {
        const QString &w = words.at(i);
        if (w.startsWith(QLatin1Char('-')) || w.startsWith(QLatin1String("[-"))
            || w == QLatin1String("[options]") || w.startsWith(QLatin1Char('(')))
            break;
        args << w;
    }
    return args;
}

// What the shell completion scripts (resources/completion) complete, taken from the commands
// themselves so that they cannot drift: a first line "-<TAB><TAB>GLOBAL OPTIONS", then one line
// per command "NAME<TAB>ARGS<TAB>OPTIONS<TAB>VERBS". ARGS are the positional words of the
// command's usage line (STREAM... GROUP [PATTERN]); VERBS the sub-commands its help lists, each
// with its own ("create:STREAM,GROUP" for "  group create STREAM GROUP ..."). Options as
// optionWords() gives them. Also what the man page's COMMANDS section lists
// (cmake/CliCommands.cmake).
QByteArray completionWords() {
    QByteArray out = "-\t\t" + optionWords(globalOptions()).join(QLatin1Char(' ')).toUtf8() + "\n";
    for (const CommandSpec &c : commands()) {
        const QString name = QString::fromLatin1(c.name);
        const QStringList lines = QString::fromUtf8(c.help).split(QLatin1Char('\n'));
        QStringList verbs;
        const QString verbPrefix = QStringLiteral("  ") + name + QLatin1Char(' ');
        for (const QString &line : lines)
            if (line.startsWith(verbPrefix)) {
                const QString verb = line.mid(verbPrefix.size()).section(QLatin1Char(' '), 0, 0);
                if (!verb.isEmpty())
                    verbs << verb + QLatin1Char(':') + usageArgs(line, verb).join(QLatin1Char(','));
            }
        out += (QStringList{name, usageArgs(lines.value(0), name).join(QLatin1Char(' ')),
                            optionWords(c.options).join(QLatin1Char(' ')),
                            verbs.join(QLatin1Char(' '))}
                    .join(QLatin1Char('\t'))
                + QLatin1Char('\n'))
                   .toUtf8();
    }
    return out;
}

} // namespace

int run(const QStringList &args) {
    registerCoreMetaTypes();
    // Find the command: the first argument that is neither an option nor an option's value.
    qsizetype commandIndex = -1;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (a.startsWith(QLatin1Char('-'))) {
            if (takesValue(a))
                ++i;
            continue;
        }
        commandIndex = i;
        break;
    }

    if (commandIndex < 0) {
        if (args.contains(QStringLiteral("--completion-words"))) { // for the completion scripts
            std::fputs(completionWords().constData(), stdout);
            return Success;
        }
        if (args.contains(QStringLiteral("--version"))) {
            std::fputs(qPrintable(versionLine(QStringLiteral("streamscope-cli"))), stdout);
            return Success;
        }
        if (args.contains(QStringLiteral("--help")) || args.size() == 1) {
            std::fputs(globalHelp().constData(), stdout);
            return args.size() == 1 ? UsageError : Success;
        }
        return usageError(QStringLiteral("no command given"));
    }

    const QString name = args.at(commandIndex);
    const QList<CommandSpec> specs = commands();
    const auto spec = std::find_if(specs.begin(), specs.end(), [&](const CommandSpec &c) {
        return name == QLatin1String(c.name);
    });
    if (spec == specs.end())
        return usageError(QStringLiteral("unknown command \"%1\"").arg(name));

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(globalOptions());
    parser.addOptions(spec->options);
    QStringList rest = args;
    rest.removeAt(commandIndex);
    if (!parser.parse(rest))
        return usageError(parser.errorText(), name);
    if (parser.isSet(QStringLiteral("help"))) {
        const bool rewind = name == QLatin1String("group")
                            && parser.positionalArguments().value(0) == QLatin1String("rewind");
        std::fputs(rewind ? groupRewindHelp : spec->help, stdout);
        return Success;
    }
    // As redis-cli: a password on the command line is visible to other users (ps, history).
    if ((parser.isSet(QStringLiteral("a"))
         || ConnectionSettings::urlHasPassword(parser.value(QStringLiteral("url"))))
        && !parser.isSet(QStringLiteral("no-auth-warning")))
        std::fputs("Warning: Using a password with '-a' or '-u' option on the command line "
                   "interface may not be safe. Put it in the REDISCLI_AUTH environment variable "
                   "instead.\n",
                   stderr);
    auto settings = settingsFrom(parser);
    if (!settings.ok())
        return usageError(settings.error().message, name);
    if (stdoutIsClosed()) {
        // Started with stdout closed (>&-): its descriptor is taken by something else or free
        // for the next socket, which must never receive our output. Nothing is written to it.
        stdoutError() = EBADF;
        if (::fcntl(STDOUT_FILENO, F_GETFD) < 0) {
            const int devNull = ::open("/dev/null", O_WRONLY);
            if (devNull >= 0 && devNull != STDOUT_FILENO) {
                ::dup2(devNull, STDOUT_FILENO);
                ::close(devNull);
            }
        }
    }
    aclUserName() = settings->user;
    const int code = spec->run(parser, settings.value(), parser.isSet(QStringLiteral("json")));
    if (std::fflush(stdout) != 0 && !stdoutError())
        stdoutError() = errno ? errno : EIO;
    if (stdoutError() && (code == Success || code == Findings)) {
        printError(stdoutError() == EBADF
                       ? QStringLiteral("cannot write to stdout: it is closed")
                       : QStringLiteral("cannot write to stdout: %1")
                             .arg(QString::fromLocal8Bit(std::strerror(stdoutError()))));
        return OutputError;
    }
    return code;
}

} // namespace streamscope::cli
