// streamscope-cli find, export and import: a key's events across streams, ranges or pending
// lists to JSON Lines or CSV, and those files back into a stream.
#include "Export.h"
#include "Import.h"
#include "KeyLookup.h"
#include "StreamInfo.h"
#include "StreamPaging.h"
#include "ValueFormat.h"
#include "cli/CliCommon.h"

#include <QDate>
#include <QFile>
#include <QTemporaryFile>

#include <csignal>

#include <fcntl.h>
#include <unistd.h>

namespace streamscope::cli {

int runFind(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QString cmdName = QStringLiteral("find");
    const QStringList args = p.positionalArguments();
    if (args.size() < 3)
        return usageError(QStringLiteral("find needs a FIELD, a VALUE and at least one STREAM"),
                          cmdName);
    KeyLookupOptions options;
    if (p.isSet(QStringLiteral("max-scan"))) {
        bool ok = false;
        options.maxScanned = p.value(QStringLiteral("max-scan")).toLongLong(&ok);
        if (!ok || options.maxScanned < 1)
            return usageError(QStringLiteral("--max-scan needs a whole number >= 1"), cmdName);
    }
    QList<QByteArray> streams;
    for (qsizetype i = 2; i < args.size(); ++i)
        streams << args.at(i).toUtf8();
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    KeyLookupResult result =
        lookupKey(*c.value(), streams, args.at(0).toUtf8(), args.at(1).toUtf8(), options);
    for (KeyLookupHits &h : result.streams)
        if (h.errorKind != Error::Kind::None)
            h.error = onStreamNode(*c.value(), h.stream, Error(h.errorKind, h.error)).message;
    Output out;
    if (json) {
        // Written by hand: entries keep their fields in order (a QJsonObject would sort them).
        QByteArray o = "{\"field\":";
        valueformat::appendJsonString(o, args.at(0).toUtf8());
        o += ",\"value\":";
        valueformat::appendJsonString(o, args.at(1).toUtf8());
        o += ",\"streams\":[";
        for (qsizetype i = 0; i < result.streams.size(); ++i) {
            const KeyLookupHits &h = result.streams.at(i);
            o += i ? ",{\"stream\":" : "{\"stream\":";
            valueformat::appendJsonString(o, h.stream);
            o += ",\"entries\":[";
            for (qsizetype k = 0; k < h.entries.size(); ++k) {
                if (k)
                    o += ',';
                QByteArray line;
                valueformat::appendEntryJson(line, h.entries.at(k));
                o += line.chopped(1); // without its newline
            }
            o += "],\"scanned\":" + QByteArray::number(h.scanned)
                 + ",\"cutShort\":" + (h.cutShort ? "true" : "false");
            if (h.reached)
                o += ",\"reached\":\"" + h.reached->toByteArray() + '"';
            if (!h.error.isEmpty()) {
                o += ",\"error\":";
                valueformat::appendJsonString(o, h.error.toUtf8());
            }
            o += '}';
        }
        o += "]}\n";
        out << o;
    } else {
        QList<QStringList> rows;
        for (const KeyLookupHits &h : result.streams)
            for (const StreamEntry &e : h.entries)
                rows << QStringList{QString::fromUtf8(h.stream),
                                    QString::fromLatin1(e.id.toByteArray()),
                                    e.id.timeText(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")),
                                    valueformat::entrySummary(e, 160)};
        if (!rows.isEmpty())
            out << table({QStringLiteral("STREAM"), QStringLiteral("ID"), QStringLiteral("TIME"),
                          QStringLiteral("FIELDS")},
                         rows);
        out.flush();
        std::fprintf(stderr, "%s\n", qPrintable(result.describe()));
    }
    for (const KeyLookupHits &h : result.streams)
        if (!h.error.isEmpty()) // a node that did not answer is 3, a server's refusal 4
            return h.errorKind == Error::Kind::None ? ServerError
                                                    : exitCodeFor(Error(h.errorKind, h.error));
    return result.hits() > 0 ? Success : Findings; // like grep: 1 when nothing was found
}

namespace {} // namespace

int runExport(const QCommandLineParser &p, const ConnectionSettings &settings, bool) {
    const QString cmdName = QStringLiteral("export");
    const QStringList args = p.positionalArguments();
    if (args.size() != 1)
        return usageError(QStringLiteral("export needs exactly one STREAM"), cmdName);
    const QString format = p.value(QStringLiteral("format"));
    if (format != QLatin1String("jsonl") && format != QLatin1String("csv"))
        return usageError(QStringLiteral("--format takes jsonl or csv, not \"%1\"").arg(format),
                          cmdName);
    ExportSource source;
    if (p.isSet(QStringLiteral("group"))) {
        if (p.isSet(QStringLiteral("from")) || p.isSet(QStringLiteral("to")))
            return usageError(QStringLiteral("--group exports the whole pending list: it takes "
                                             "no --from or --to"),
                              cmdName);
        source.kind = ExportSource::Kind::Pending;
        source.stream = args.first().toUtf8();
        source.group = p.value(QStringLiteral("group")).toUtf8();
    } else {
        auto range = ExportSource::range(args.first().toUtf8(), p.value(QStringLiteral("from")),
                                         p.value(QStringLiteral("to")), QDate::currentDate());
        if (!range.ok())
            return usageError(range.error().message, cmdName);
        source = range.value();
    }
    const ExportFormat f =
        format == QLatin1String("csv") ? ExportFormat::Csv : ExportFormat::JsonLines;
    const std::atomic<bool> never{false};
    ExportOptions options;
    options.allowGaps = p.isSet(QStringLiteral("allow-gaps"));
    const QString path = p.value(QStringLiteral("output"));
    const bool toStdout = path.isEmpty() || path == QLatin1String("-");
    // A closed pipe (export | head) is a write error with a message, not a silent SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    ExportOutcome outcome;
    if (toStdout && stdoutIsClosed()) {
        // Said before connecting: a closed stdout's descriptor could otherwise be reused for
        // the connection, and the export written into the server's socket.
        printError(QStringLiteral("cannot write to stdout: it is closed"));
        return OutputError;
    }
    if (toStdout) {
        QFile stdoutFile;
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly)) {
            printError(QStringLiteral("cannot write to stdout: %1").arg(stdoutFile.errorString()));
            return OutputError;
        }
        options.outputName = QStringLiteral("stdout");
        outcome = exportToDevice(
            source, &stdoutFile, f, &settings, [](qint64, double) {}, never, options);
    } else {
        outcome = exportTo(
            source, path, f, &settings, [](qint64, double) {}, never, options);
    }
    const QString where = toStdout ? QString() : QStringLiteral(" to ") + path;
    switch (outcome.failure) {
    case ExportOutcome::Failure::None:
        break;
    case ExportOutcome::Failure::Output:
        printError(outcome.error);
        return OutputError;
    case ExportOutcome::Failure::Connection:
        printError(outcome.error);
        return ConnectionError;
    case ExportOutcome::Failure::Server:
        printError(outcome.error);
        return ServerError;
    case ExportOutcome::Failure::Incomplete:
        printError(QStringLiteral("the export is incomplete: %1; %2 (--allow-gaps accepts an "
                                  "export with entries missing)")
                       .arg(outcome.error, toStdout
                                               ? QStringLiteral("what was read is on stdout")
                                               : QStringLiteral("nothing was written to ") + path));
        return IncompleteExport;
    }
    if (!outcome.warning.isEmpty())
        printError(QStringLiteral("warning: %1").arg(outcome.warning));
    if (outcome.reconnects > 0)
        printError(QStringLiteral("note: a page was too large %1 (the server closed the "
                                  "connection: client-output-buffer-limit?, or it passed "
                                  "max-reply); each was read again, smaller; the rest in pages "
                                  "of %2 entries")
                       .arg(outcome.reconnects == 1
                                ? QStringLiteral("once")
                                : QStringLiteral("%1 times").arg(outcome.reconnects))
                       .arg(outcome.pageSizeAfterLoss));
    std::fprintf(stderr, "wrote exactly %lld entries%s\n", qlonglong(outcome.written),
                 qPrintable(where));
    return Success;
}

int runImport(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QString cmdName = QStringLiteral("import");
    const QStringList args = p.positionalArguments();
    if (args.size() != 1)
        return usageError(QStringLiteral("import needs exactly one STREAM"), cmdName);
    const QByteArray stream = args.first().toUtf8();
    if (settings.readOnly) {
        printError(QStringLiteral("import appends entries (XADD): refused in read-only mode, "
                                  "nothing was sent"));
        return ReadOnlyRefused;
    }
    const bool keepIds = p.isSet(QStringLiteral("keep-ids"));
    int batchSize = 1000;
    if (p.isSet(QStringLiteral("batch"))) {
        bool ok = false;
        batchSize = p.value(QStringLiteral("batch")).toInt(&ok);
        if (!ok || batchSize < 1 || batchSize > 100000)
            return usageError(QStringLiteral("--batch needs a whole number from 1 to 100000"),
                              cmdName);
    }
    const QString inputPath = p.value(QStringLiteral("input"));
    const bool fromStdin = inputPath.isEmpty() || inputPath == QLatin1String("-");
    QString format = p.value(QStringLiteral("format"));
    if (format.isEmpty())
        format = !fromStdin && inputPath.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)
                     ? QStringLiteral("csv")
                     : QStringLiteral("jsonl");
    if (format != QLatin1String("jsonl") && format != QLatin1String("csv"))
        return usageError(QStringLiteral("--format takes jsonl or csv, not \"%1\"").arg(format),
                          cmdName);
    ImportFormat f = format == QLatin1String("csv") ? ImportFormat::Csv : ImportFormat::JsonLines;

    // Two passes (check everything, then send) need the input twice: stdin goes to a temporary
    // file first, so memory stays small whatever the input's size.
    QTemporaryFile spool;
    QFile file;
    QIODevice *in = nullptr;
    const QString inputName = fromStdin ? QStringLiteral("stdin") : inputPath;
    if (fromStdin) {
        QFile stdinFile;
        if (!spool.open() || !stdinFile.open(stdin, QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read stdin: %1").arg(stdinFile.errorString()));
            return OutputError;
        }
        while (!stdinFile.atEnd()) {
            const QByteArray chunk = stdinFile.read(1 << 20);
            if (chunk.isEmpty() && stdinFile.error() != QFileDevice::NoError)
                break;
            if (spool.write(chunk) != chunk.size()) {
                printError(QStringLiteral("cannot spool stdin to %1: %2")
                               .arg(spool.fileName(), spool.errorString()));
                return OutputError;
            }
        }
        if (!spool.flush() || !spool.seek(0)) {
            printError(QStringLiteral("cannot spool stdin: %1").arg(spool.errorString()));
            return OutputError;
        }
        in = &spool;
        // No file name to tell: the CSV export starts with its header.
        if (!p.isSet(QStringLiteral("format")) && spool.peek(64).contains("stream,id,time,"))
            f = ImportFormat::Csv;
    } else {
        file.setFileName(inputPath);
        if (!file.open(QIODevice::ReadOnly)) {
            printError(QStringLiteral("cannot read %1: %2").arg(inputPath, file.errorString()));
            return UsageError;
        }
        in = &file;
    }

    auto check = checkImport(in, f, keepIds);
    if (!check.ok()) {
        printError(
            QStringLiteral("%1: %2; nothing was sent").arg(inputName, check.error().message));
        return check.error().kind == Error::Kind::Io ? OutputError : UsageError;
    }
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    if (keepIds && check->firstId) {
        // XADD refuses an ID not greater than the stream's last one: say so before sending.
        auto reply = c.value()->command({"XINFO", "STREAM", stream});
        if (!reply.ok())
            return fail(onStreamNode(*c.value(), stream, reply.error()));
        if (!reply->isError()) {
            const auto info = StreamInfo::fromReply(stream, reply.value());
            if (info && !(info->lastGeneratedId < *check->firstId)) {
                printError(QStringLiteral("--keep-ids: the first entry's ID %1 is not greater "
                                          "than the last ID of %2 (%3), so the server would "
                                          "refuse it; import into a new stream, or without "
                                          "--keep-ids. Nothing was sent.")
                               .arg(check->firstId->toString(), args.first(),
                                    info->lastGeneratedId.toString()));
                return UsageError;
            }
        } else if (!reply->errorMessage().contains(QLatin1String("no such key"))) {
            return fail(Error(Error::Kind::Server, reply->errorMessage()));
        }
    }
    if (!in->seek(0)) {
        printError(QStringLiteral("cannot read %1 again: %2").arg(inputName, in->errorString()));
        return OutputError;
    }
    const ImportOutcome outcome = sendImport(*c.value(), stream, in, f, keepIds, batchSize);
    if (outcome.error) {
        const Error e = onStreamNode(*c.value(), stream, outcome.error, true);
        printError(e.message);
        return exitCodeFor(e);
    }
    if (json) {
        QByteArray o = "{\"stream\":";
        valueformat::appendJsonBytes(o, stream);
        o += ",\"added\":" + QByteArray::number(outcome.added) + "}\n";
        Output out;
        out << o;
    }
    std::fprintf(stderr, "added exactly %lld entries to %s\n", qlonglong(outcome.added),
                 qPrintable(args.first()));
    return Success;
}

} // namespace streamscope::cli
