// streamscope-cli find and export: a key's events across streams, and ranges or pending lists
// to JSON Lines or CSV.
#include "Export.h"
#include "KeyLookup.h"
#include "StreamPaging.h"
#include "ValueFormat.h"
#include "cli/CliCommon.h"

#include <QDate>
#include <QFile>

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
    const KeyLookupResult result =
        lookupKey(*c.value(), streams, args.at(0).toUtf8(), args.at(1).toUtf8(), options);
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
        if (!h.error.isEmpty())
            return ServerError;
    return result.hits() > 0 ? Success : Findings; // like grep: 1 when nothing was found
}

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
    const QString path = p.value(QStringLiteral("output"));
    ExportOutcome outcome;
    if (path.isEmpty() || path == QLatin1String("-")) {
        QFile stdoutFile;
        if (!stdoutFile.open(stdout, QIODevice::WriteOnly))
            return fail(Error(Error::Kind::Io, QStringLiteral("cannot write to stdout")));
        outcome = exportToDevice(
            source, &stdoutFile, f, &settings, [](qint64, double) {}, never);
    } else {
        outcome = exportTo(
            source, path, f, &settings, [](qint64, double) {}, never);
    }
    if (!outcome.error.isEmpty())
        return fail(Error(outcome.error.contains(QLatin1String("cannot write"))
                              ? Error::Kind::Io
                              : Error::Kind::Server,
                          outcome.error));
    std::fprintf(stderr, "wrote exactly %lld entries%s\n", qlonglong(outcome.written),
                 outcome.path.isEmpty() ? "" : qPrintable(QStringLiteral(" to ") + outcome.path));
    return Success;
}

} // namespace streamscope::cli
