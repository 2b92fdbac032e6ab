// streamscope-cli group rewind: moves a group's last-delivered-id to a time or entry, previewed.
#include "CliCommon.h"

#include "Rewind.h"

#include <QDate>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <unistd.h>

namespace streamscope::cli {

const char groupRewindHelp[] =
    "Usage: streamscope-cli [connection options] group rewind STREAM GROUP --to "
    "ID|TIME|start|end [--dry-run] [--yes] [--json]\n\n"
    "Rewinds or skips a consumer group, as a Kafka offset reset does: afterwards the next entry\n"
    "the group receives (XREADGROUP ... >) is the first entry at or after --to. Before anything\n"
    "changes it prints a preview: the group's last-delivered-id, entries-read and lag now; the\n"
    "new last-delivered-id; how many entries the group will receive again (rewind) or skip\n"
    "(forward), from which entry; what happens to its pending entries; and the lag after.\n"
    "Then it sends XGROUP SETID STREAM GROUP ID ENTRIESREAD N in a Lua script (EVAL, on the\n"
    "stream's node) that first checks that the group has not moved and no entry was removed\n"
    "since the preview; if either happened nothing is changed and the new preview is printed.\n\n"
    "Targets:\n"
    "  start                   The stream's first entry (SETID 0): everything again\n"
    "  end                     Only entries added from now on (SETID $): skips the backlog\n"
    "  ID                      An entry ID (1700000000000-0, or 1700000000000 for its first\n"
    "                          entry of that millisecond)\n"
    "  TIME                    14:05, 14:05:30.250 (today, local time) or 2026-11-25 14:05:30:\n"
    "                          the first entry added at or after that moment (as export --from)\n"
    "A target after the stream's last entry is refused (use end).\n\n"
    "Counts: exact where the server's counters (entries-added, lag; 7.0+) or a bounded XRANGE\n"
    "count (100,000 entries) tell; otherwise \"at least N\". ENTRIESREAD is computed so that\n"
    "the server keeps the group's lag known (7.0+); when it cannot be (entries after the new\n"
    "position were deleted, the count was cut short, or the server is older than 7.0) it is\n"
    "left off and the preview says the lag becomes unknown or an estimate.\n"
    "Pending entries stay pending with their consumers. Entries received again that are\n"
    "pending are delivered as new deliveries to whichever consumer reads them (delivery count\n"
    "back to 1); skipped entries that are pending stay pending until acknowledged or claimed.\n\n"
    "Options:\n"
    "  --to ID|TIME|start|end  Where the group continues (required)\n"
    "  --dry-run               Print the preview only; nothing is sent that changes data\n"
    "                          (works under --read-only)\n"
    "  --yes                   Apply without asking. Without it, when stdin is a terminal the\n"
    "                          command asks before applying; when stdin is not a terminal\n"
    "                          (scripts, pipes) it applies without asking\n"
    "  --json                  One object: {\"preview\": {...}, \"applied\": bool, \"result\":\n"
    "                          {...}} (result: the group after, or \"current\", the new\n"
    "                          preview, when it moved); with --json nothing is asked\n\n"
    "Exit codes: 0 applied (or previewed with --dry-run, or declined at the question),\n"
    "2 bad arguments (nothing sent), 3 cannot connect, 4 the server refused, the stream or\n"
    "group does not exist, or the group moved since the preview (nothing changed: its\n"
    "consumers are reading it; stop them first, as a Kafka offset reset requires),\n"
    "5 refused under --read-only (use --dry-run to preview).\n\n"
    "Examples:\n"
    "  streamscope-cli group rewind order-events payment-service --to 14:05 --dry-run\n"
    "  streamscope-cli group rewind order-events payment-service --to end --yes\n";

namespace {

bool askToApply(const RewindPlan &plan) {
    std::fprintf(stderr, "%s? [y/N] ", qPrintable(plan.summary()));
    std::fflush(stderr);
    char line[64] = {};
    if (!std::fgets(line, sizeof line, stdin))
        return false;
    const QByteArray answer = QByteArray(line).trimmed().toLower();
    return answer == "y" || answer == "yes";
}

} // namespace

int runGroupRewind(const QCommandLineParser &p, const ConnectionSettings &settings, bool json) {
    const QStringList a = p.positionalArguments();
    const QString cmd = QStringLiteral("group rewind");
    if (a.size() != 3)
        return usageError(QStringLiteral("usage: streamscope-cli group rewind STREAM GROUP --to "
                                         "ID|TIME|start|end [--dry-run] [--yes]"),
                          QStringLiteral("group rewind"));
    if (!p.isSet(QStringLiteral("to")))
        return usageError(QStringLiteral("group rewind needs --to ID|TIME|start|end (where the "
                                         "group continues)"),
                          cmd);
    auto target = RewindTarget::parse(p.value(QStringLiteral("to")), QDate::currentDate());
    if (!target.ok())
        return usageError(target.error().message, cmd);
    const QByteArray stream = a.at(1).toUtf8(), group = a.at(2).toUtf8();
    const bool dryRun = p.isSet(QStringLiteral("dry-run"));
    auto c = connect(settings);
    if (!c.ok())
        return fail(c.error());
    auto plan = planRewind(*c.value(), stream, group, target.value());
    if (!plan.ok())
        return fail(plan.error());
    Output out;
    QJsonObject doc{{QStringLiteral("preview"), plan->toJson()},
                    {QStringLiteral("applied"), false}};
    auto printJson = [&] { out << QJsonDocument(doc).toJson(QJsonDocument::Compact) << "\n"; };
    if (!json)
        out << plan->describe() << "\n";
    if (dryRun) {
        if (json)
            printJson();
        else
            out << "Dry run: nothing was changed.\n";
        return Success;
    }
    if (c.value()->isReadOnly()
        || settings.readOnlyNow()) { // before asking: the answer could not be acted on
        if (json)
            printJson();
        out.flush();
        return fail(Error(Error::Kind::ReadOnly,
                          QStringLiteral("read-only mode: rewinding group %1 (XGROUP SETID) "
                                         "would change data, so nothing was sent. Leave out "
                                         "--read-only to apply it, or add --dry-run to only "
                                         "preview.")
                              .arg(a.at(2))));
    }
    if (!plan->forbidden.isEmpty()) { // before asking: the answer could not be acted on
        if (json)
            printJson();
        out.flush();
        return fail(Error(Error::Kind::Server,
                          QStringLiteral("%1; nothing was sent").arg(plan->forbidden)));
    }
    if (!json && !p.isSet(QStringLiteral("yes")) && ::isatty(STDIN_FILENO)) {
        out.flush();
        if (!askToApply(plan.value())) {
            out << "Not applied: nothing was changed.\n";
            return Success;
        }
    }
    auto outcome = applyRewind(*c.value(), plan.value());
    if (!outcome.ok()) {
        if (json)
            printJson();
        out.flush();
        return fail(outcome.error());
    }
    doc.insert(QStringLiteral("applied"), outcome->kind == RewindOutcome::Kind::Applied);
    doc.insert(QStringLiteral("result"), outcome->toJson());
    if (json) {
        printJson();
    } else {
        out << outcome->message << "\n";
        if (outcome->kind == RewindOutcome::Kind::Moved)
            out << outcome->current.describe() << "\n";
    }
    if (outcome->kind == RewindOutcome::Kind::Moved) {
        out.flush();
        const bool groupMoved = outcome->current.lastDeliveredId != outcome->plan.lastDeliveredId;
        printError(groupMoved
                       ? QStringLiteral("the group moved since the preview (its consumers are "
                                        "reading it): nothing was changed. Stop its consumers, "
                                        "then run the rewind again")
                       : QStringLiteral("entries were removed from %1 since the preview: nothing "
                                        "was changed. Run the rewind again to see the new counts")
                             .arg(a.at(1)));
        return ServerError;
    }
    return Success;
}

} // namespace streamscope::cli
