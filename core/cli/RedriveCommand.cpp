// streamscope-cli redrive: dead letters back to the streams they came from.
#include "CliCommon.h"
#include "Redrive.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace streamscope::cli {

namespace {

const char redriveHelp[] =
    "Usage: streamscope-cli [connection options] redrive DLQ_STREAM [--to STREAM]\n"
    "                       (--ids ID... | --all) [--dry-run] [--limit N] [--json]\n\n"
    "Sends dead letters back to the streams they came from (as AWS SQS's redrive): each\n"
    "letter of DLQ_STREAM goes to its origin, the stream its dlq.stream field names (or\n"
    "--to), with its original fields and without any dlq.* field (a new ID), then is\n"
    "deleted from DLQ_STREAM. At most once per letter, even when interrupted: on one\n"
    "server (or when both streams share a cluster hash slot) each letter moves in one Lua\n"
    "step; across cluster slots the letter is added together with a marker key in the\n"
    "origin's slot ({ORIGIN}:dlq-redriven:..., kept a week) that remembers its new ID, and\n"
    "then deleted, so running the same redrive again after a crash only deletes it.\n"
    "Letters with no origin (no dlq.stream field and no --to), with no body, or whose\n"
    "origin is not a stream are reported and left in DLQ_STREAM, never guessed.\n"
    "Refused under --read-only (--dry-run works there).\n\n"
    "Options:\n"
    "  --ids ID...             These letters: IDs after --ids (and after DLQ_STREAM), or\n"
    "                          --ids repeated: --ids 1-0 2-0, or --ids 1-0 --ids 2-0\n"
    "  --all                   Every letter (read by ID in pages, at most --limit)\n"
    "  --to STREAM             Send every letter to STREAM instead of its dlq.stream\n"
    "  --dry-run               Only say what would happen: how many letters, to which\n"
    "                          streams, which cannot be redriven and why\n"
    "  --limit N               At most N letters per run (default 10000); run again for\n"
    "                          the rest\n"
    "  --json                  {\"dlq\",\"dry_run\",\"letters\",\"to\",\"redriven\",\"skipped\",\n"
    "                          \"missing\",\"vanished\",\"truncated\",\"summary\"}\n\n"
    "Exit codes: 0 every letter asked for was redriven (or would be, with --dry-run),\n"
    "1 some were not (no origin, no body, not in DLQ_STREAM, gone meanwhile: listed),\n"
    "2 usage error, 3 connection failure, 4 server error (what was done before it is\n"
    "printed; run again: no letter is added twice) or an ACL user that may not redrive\n"
    "(asked up front with ACL DRYRUN, with --dry-run too: the rule to add is printed and\n"
    "nothing is sent), 5 refused by --read-only.\n\n"
    "Examples:\n"
    "  streamscope-cli redrive order-events:dlq --all --dry-run\n"
    "  streamscope-cli redrive order-events:dlq --ids 1700000000000-0 1700000000001-0\n"
    "  streamscope-cli redrive shared:dlq --all --to order-events\n";

QString text(const QByteArray &bytes) {
    return valueformat::displayText(bytes);
}

QJsonObject letterJson(const RedriveLetter &l) {
    QJsonObject o{{QStringLiteral("id"), l.id.toString()},
                  {QStringLiteral("to"), l.origin.isEmpty() ? QJsonValue() : text(l.origin)},
                  {QStringLiteral("fields"), l.fields.size() / 2}};
    if (!l.originalId.isEmpty())
        o.insert(QStringLiteral("original_id"), QString::fromUtf8(l.originalId));
    if (!l.canRedrive())
        o.insert(QStringLiteral("reason"), l.problem);
    return o;
}

QString skippedTable(const RedriveLetterList &letters) {
    QList<QStringList> rows;
    for (const RedriveLetter &l : letters)
        if (!l.canRedrive())
            rows << QStringList{l.id.toString(), l.problem};
    return rows.isEmpty() ? QString()
                          : table({QStringLiteral("LETTER"), QStringLiteral("WHY NOT")}, rows);
}

int runRedrive(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QString name = QStringLiteral("redrive");
    const QStringList args = p.positionalArguments();
    if (args.isEmpty())
        return usageError(QStringLiteral("give the dead-letter stream: redrive DLQ_STREAM "
                                         "(--ids ID... | --all)"),
                          name);
    const bool all = p.isSet(QStringLiteral("all"));
    QStringList ids = p.values(QStringLiteral("ids"));
    if (!ids.isEmpty())
        ids += args.mid(1); // --ids 1-0 2-0: the IDs after the first are positional
    else if (args.size() > 1)
        return usageError(QStringLiteral("\"%1\": give letter IDs after --ids (redrive %2 --ids "
                                         "%1 ...)")
                              .arg(args.at(1), args.first()),
                          name);
    if (ids.isEmpty() && !all)
        return usageError(QStringLiteral("say which letters to redrive: --ids ID... or --all "
                                         "(add --dry-run to see them first)"),
                          name);
    if (!ids.isEmpty() && all)
        return usageError(QStringLiteral("give either --ids or --all, not both"), name);
    RedriveRequest request;
    request.dlq = args.first().toUtf8();
    request.all = all;
    for (const QString &id : std::as_const(ids)) {
        if (!StreamId::isValid(id.toUtf8()))
            return usageError(
                QStringLiteral("\"%1\" is not an entry ID (like 1700000000000-0)").arg(id), name);
        request.ids << id.toUtf8();
    }
    if (p.isSet(QStringLiteral("to"))) {
        request.to = p.value(QStringLiteral("to")).toUtf8();
        if (request.to.isEmpty())
            return usageError(QStringLiteral("--to: give a stream name"), name);
    }
    if (p.isSet(QStringLiteral("limit"))) {
        bool ok = false;
        const int limit = p.value(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit <= 0 || limit > 1000000)
            return usageError(QStringLiteral("--limit: \"%1\" is not a number from 1 to 1000000")
                                  .arg(p.value(QStringLiteral("limit"))),
                              name);
        request.limit = limit;
    }
    const bool dryRun = p.isSet(QStringLiteral("dry-run"));

    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    auto preview = previewRedrive(*c.value(), request);
    if (!preview.ok())
        return fail(preview.error());

    Output out;
    QJsonObject doc{{QStringLiteral("dlq"), text(request.dlq)},
                    {QStringLiteral("dry_run"), dryRun},
                    {QStringLiteral("truncated"), preview->truncated}};
    QJsonObject to;
    for (const auto &[origin, count] : preview->perOrigin())
        to.insert(text(origin), count);
    doc.insert(QStringLiteral("to"), to);
    QJsonArray missing;
    for (const QByteArray &id : std::as_const(preview->missingIds))
        missing.append(QString::fromUtf8(id));
    doc.insert(QStringLiteral("missing"), missing);

    if (dryRun) {
        QJsonArray letters;
        for (const RedriveLetter &l : std::as_const(preview->letters))
            letters.append(letterJson(l));
        doc.insert(QStringLiteral("letters"), letters);
        const QString summary = preview->redrivable() > 0
                                    ? QStringLiteral("would redrive ") + preview->summary()
                                    : preview->summary();
        doc.insert(QStringLiteral("summary"), summary);
        if (!preview->forbidden.isEmpty())
            doc.insert(QStringLiteral("forbidden"), preview->forbidden);
        if (json) {
            out << QJsonDocument(doc).toJson(QJsonDocument::Compact) << "\n";
        } else {
            out << summary << "\n";
            for (const QByteArray &origin : std::as_const(preview->newOrigins))
                out << QStringLiteral("%1 does not exist yet: the first letter creates it\n")
                           .arg(text(origin));
            out << skippedTable(preview->letters) << "(dry run: nothing was changed)\n";
        }
        if (!preview->forbidden.isEmpty() && preview->redrivable() > 0) {
            out.flush();
            printError(preview->forbidden);
            return ServerError;
        }
        const bool whole = preview->skipped() == 0 && preview->missingIds.isEmpty();
        return whole ? Success : Findings;
    }

    auto outcome = redrive(*c.value(), preview.value());
    if (!outcome.ok())
        return fail(outcome.error());
    QJsonArray redriven, skipped, vanished;
    for (const RedriveOutcome::Done &d : std::as_const(outcome->redriven))
        redriven.append(QJsonObject{{QStringLiteral("id"), d.letter.toString()},
                                    {QStringLiteral("to"), text(d.origin)},
                                    {QStringLiteral("new_id"), QString::fromUtf8(d.newId)},
                                    {QStringLiteral("earlier"), d.earlier}});
    for (const RedriveLetter &l : std::as_const(outcome->skipped))
        skipped.append(letterJson(l));
    for (const StreamId &id : std::as_const(outcome->vanished))
        vanished.append(id.toString());
    // The error itself goes to stderr (with the exit code): stdout says what was done.
    RedriveOutcome done = outcome.value();
    done.error = Error();
    QString summary = done.summary();
    if (!preview->missingIds.isEmpty())
        summary += QStringLiteral("; %1 not in %2")
                       .arg(countOf(preview->missingIds.size(), "ID", "IDs"), text(request.dlq));
    if (preview->truncated)
        summary += QStringLiteral("; more letters remain (the limit is %1): run again")
                       .arg(formatCount(preview->limit));
    doc.insert(QStringLiteral("redriven"), redriven);
    doc.insert(QStringLiteral("skipped"), skipped);
    doc.insert(QStringLiteral("vanished"), vanished);
    doc.insert(QStringLiteral("summary"), summary);
    if (outcome->error)
        doc.insert(QStringLiteral("error"), outcome->error.message);
    if (json)
        out << QJsonDocument(doc).toJson(QJsonDocument::Compact) << "\n";
    else
        out << summary << "\n" << skippedTable(outcome->skipped);
    out.flush();
    if (outcome->error)
        return fail(outcome->error);
    const bool whole = outcome->skipped.isEmpty() && outcome->vanished.isEmpty()
                       && preview->missingIds.isEmpty() && !preview->truncated;
    return whole ? Success : Findings;
}

} // namespace

CommandSpec redriveCommand() {
    return {"redrive",
            redriveHelp,
            {{QStringLiteral("to"), QStringLiteral("Target stream."), QStringLiteral("STREAM")},
             {QStringLiteral("ids"), QStringLiteral("Letter IDs."), QStringLiteral("ID")},
             {QStringLiteral("all"), QStringLiteral("Every letter.")},
             {QStringLiteral("dry-run"), QStringLiteral("Preview only.")},
             {QStringLiteral("limit"), QStringLiteral("Letters per run."), QStringLiteral("N")}},
            runRedrive};
}

} // namespace streamscope::cli
