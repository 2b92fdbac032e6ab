#include "Alerts.h"

#include "ClusterSlots.h"
#include "ValueFormat.h"
#include "Wording.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include <algorithm>

namespace streamscope {

namespace {

const QString notEvaluatedKind = QStringLiteral("not-evaluated");

// Percent-encodes what would make the key ambiguous ('%', '/', ':'), control bytes and bytes
// that are not valid UTF-8; keeps the rest as text. Injective: the bytes can be read back.
void appendKeyPart(QString &out, const QByteArray &bytes) {
    const char *at = bytes.constData();
    const char *end = at + bytes.size();
    QByteArray text;
    while (at < end) {
        const auto c = static_cast<unsigned char>(*at);
        const int length = valueformat::utf8SequenceLength(at, end);
        if (length == 0
            || (length == 1 && (c < 0x20 || c == 0x7f || c == '%' || c == '/' || c == ':'))) {
            text += '%' + QByteArray::number(c, 16).toUpper().rightJustified(2, '0');
            ++at;
            continue;
        }
        text.append(at, length);
        at += length;
    }
    out += QString::fromUtf8(text);
}

QString isoTime(qint64 ms) {
    // "Z", as RFC 3339 receivers expect (ISODateWithMs writes "+00:00" for a QTimeZone UTC).
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc())
               .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz"))
           + QLatin1Char('Z');
}

QJsonValue nameOrNull(const QByteArray &name) {
    return name.isEmpty() ? QJsonValue() : QJsonValue(valueformat::displayText(name));
}

QJsonValue numberOrNull(const std::optional<qint64> &value) {
    return value ? QJsonValue(double(*value)) : QJsonValue();
}

// stream/group/consumer for people.
QString whereText(const Finding &f) {
    QString text = valueformat::singleLine(f.stream, 80);
    if (!f.group.isEmpty())
        text += QLatin1Char('/') + valueformat::singleLine(f.group, 80);
    if (!f.consumer.isEmpty())
        text += QLatin1Char('/') + valueformat::singleLine(f.consumer, 80);
    return text;
}

} // namespace

QString transitionName(AlertEvent::Transition transition) {
    switch (transition) {
    case AlertEvent::Transition::Raised:
        return QStringLiteral("raised");
    case AlertEvent::Transition::Changed:
        return QStringLiteral("changed");
    case AlertEvent::Transition::Cleared:
        return QStringLiteral("cleared");
    }
    return {};
}

QString alertKey(const Finding &finding) {
    QString key = finding.kind + QLatin1Char(':');
    appendKeyPart(key, finding.stream);
    key += QLatin1Char('/');
    appendKeyPart(key, finding.group);
    key += QLatin1Char('/');
    // stuck-entry is one finding per group, its consumer that of the oldest entry: when the
    // oldest entry changes hands it is still the same problem.
    if (finding.kind != QLatin1String("stuck-entry"))
        appendKeyPart(key, finding.consumer);
    return key;
}

QString alertText(const AlertEvent &event) {
    const Finding &f = event.finding;
    const bool cleared = event.transition == AlertEvent::Transition::Cleared;
    QString text = transitionName(event.transition).toUpper() + QLatin1Char(' ');
    if (cleared)
        text += QStringLiteral("(was %1) ").arg(severityName(event.previous));
    else if (event.transition == AlertEvent::Transition::Changed)
        text += QStringLiteral("%1 (was %2) ")
                    .arg(severityName(f.severity), severityName(event.previous));
    else
        text += severityName(f.severity) + QLatin1Char(' ');
    text += f.kind + QStringLiteral(" on ") + whereText(f);
    if (cleared) {
        // The finding's message is what was true when it was last seen ("holds 2 pending
        // entries"): after why it cleared, and said to be past, not read as the present.
        if (!event.note.isEmpty())
            text += QStringLiteral(" (") + event.note + QLatin1Char(')');
        if (!f.message.isEmpty())
            text += QStringLiteral("; when last seen: ") + f.message;
        return text;
    }
    if (!f.message.isEmpty())
        text += QStringLiteral(": ") + f.message;
    if (!event.note.isEmpty())
        text += QStringLiteral(" (") + event.note + QLatin1Char(')');
    return text;
}

QByteArray alertJson(const AlertEvent &event) {
    const Finding &f = event.finding;
    const bool cleared = event.transition == AlertEvent::Transition::Cleared;
    const QString severity = cleared ? severityName(Severity::Ok) : severityName(f.severity);
    QJsonObject labels{
        {QStringLiteral("alertname"), QStringLiteral("streamscope-") + f.kind},
        {QStringLiteral("source"), QStringLiteral("streamscope")},
        {QStringLiteral("kind"), f.kind},
        {QStringLiteral("severity"), severityName(cleared ? event.previous : f.severity)},
        {QStringLiteral("stream"), valueformat::displayText(f.stream)}};
    if (!f.group.isEmpty())
        labels.insert(QStringLiteral("group"), valueformat::displayText(f.group));
    if (!f.consumer.isEmpty())
        labels.insert(QStringLiteral("consumer"), valueformat::displayText(f.consumer));
    const QByteArray fingerprint =
        QCryptographicHash::hash(event.key.toUtf8(), QCryptographicHash::Sha256).toHex().left(16);
    QJsonObject o{
        {QStringLiteral("source"), QStringLiteral("streamscope")},
        {QStringLiteral("schema"), QStringLiteral("streamscope.alert/1")},
        {QStringLiteral("key"), event.key},
        {QStringLiteral("fingerprint"), QString::fromLatin1(fingerprint)},
        {QStringLiteral("transition"), transitionName(event.transition)},
        {QStringLiteral("status"), cleared ? QStringLiteral("resolved") : QStringLiteral("firing")},
        {QStringLiteral("severity"), severity},
        {QStringLiteral("previous_severity"), severityName(event.previous)},
        {QStringLiteral("kind"), f.kind},
        {QStringLiteral("stream"), valueformat::displayText(f.stream)},
        {QStringLiteral("group"), nameOrNull(f.group)},
        {QStringLiteral("consumer"), nameOrNull(f.consumer)},
        {QStringLiteral("entry_id"), f.entryId ? QJsonValue(f.entryId->toString()) : QJsonValue()},
        {QStringLiteral("count"), numberOrNull(f.count)},
        {QStringLiteral("idle_ms"), numberOrNull(f.idleMs)},
        {QStringLiteral("deliveries"), numberOrNull(f.deliveries)},
        {QStringLiteral("message"), f.message},
        {QStringLiteral("note"), event.note.isEmpty() ? QJsonValue() : QJsonValue(event.note)},
        {QStringLiteral("at"), isoTime(event.atMs)},
        {QStringLiteral("since"),
         event.sinceMs > 0 ? QJsonValue(isoTime(event.sinceMs)) : QJsonValue()},
        {QStringLiteral("text"), alertText(event)},
    };
    // The envelope of Alertmanager's webhook (version 4), with this one alert in it, so that a
    // receiver written for Alertmanager reads it as it is.
    const QJsonObject annotations{{QStringLiteral("summary"), alertText(event)},
                                  {QStringLiteral("description"), f.message}};
    const QJsonObject alert{
        {QStringLiteral("status"), o.value(QStringLiteral("status"))},
        {QStringLiteral("labels"), labels},
        {QStringLiteral("annotations"), annotations},
        {QStringLiteral("startsAt"), isoTime(event.sinceMs > 0 ? event.sinceMs : event.atMs)},
        // Alertmanager's "not ended yet".
        {QStringLiteral("endsAt"),
         cleared ? isoTime(event.atMs) : QStringLiteral("0001-01-01T00:00:00Z")},
        {QStringLiteral("generatorURL"), QString()},
        {QStringLiteral("fingerprint"), QString::fromLatin1(fingerprint)}};
    o.insert(QStringLiteral("version"), QStringLiteral("4"));
    o.insert(QStringLiteral("receiver"), QStringLiteral("streamscope"));
    o.insert(QStringLiteral("groupKey"), event.key);
    o.insert(QStringLiteral("groupLabels"),
             QJsonObject{{QStringLiteral("alertname"), labels.value(QStringLiteral("alertname"))}});
    o.insert(QStringLiteral("commonLabels"), labels);
    o.insert(QStringLiteral("commonAnnotations"), annotations);
    o.insert(QStringLiteral("externalURL"), QString());
    o.insert(QStringLiteral("truncatedAlerts"), 0);
    o.insert(QStringLiteral("alerts"), QJsonArray{alert});
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// ---------------------------------------------------------------------------------------------

struct AlertTracker::State {
    struct Tracked {
        Finding finding;  // the latest seen
        QByteArray group; // groupKey
        qint64 firstSeenMs = 0;
        qint64 absentSinceMs = -1; // -1: seen in the last examination
        bool raised = false;
        Severity reported = Severity::Ok;  // what the last alert said
        Severity candidate = Severity::Ok; // a new severity, waiting for raiseAfterMs
        qint64 candidateSinceMs = 0;
    };
    QHash<QString, Tracked> tracked;

    QList<AlertEvent> update(const Options &options, const QHash<QByteArray, FindingList> &findings,
                             const QSet<QByteArray> &examined,
                             const QHash<QByteArray, QString> &gone, qint64 now);
};

namespace {
AlertEvent eventOf(AlertEvent::Transition transition, const Finding &finding, Severity previous,
                   qint64 now, const QString &key, qint64 since, const QString &note = {}) {
    AlertEvent e;
    e.transition = transition;
    e.finding = finding;
    e.previous = previous;
    e.atMs = now;
    e.key = key;
    e.sinceMs = since;
    e.note = note;
    return e;
}
} // namespace

QList<AlertEvent> AlertTracker::State::update(const Options &options,
                                              const QHash<QByteArray, FindingList> &findings,
                                              const QSet<QByteArray> &examined,
                                              const QHash<QByteArray, QString> &gone, qint64 now) {
    // This poll's problems by key: the worst when one key has several (stuck entries of one
    // consumer are one problem).
    struct Seen {
        const Finding *finding;
        QByteArray group;
    };
    QHash<QString, Seen> present;
    QSet<QByteArray> looked = examined;
    for (auto it = findings.cbegin(); it != findings.cend(); ++it) {
        looked.insert(it.key());
        for (const Finding &f : it.value()) {
            if (f.kind == notEvaluatedKind)
                continue;
            const QString key = alertKey(f);
            auto seen = present.find(key);
            if (seen == present.end())
                present.insert(key, {&f, it.key()});
            else if (f.severity > seen->finding->severity)
                seen->finding = &f;
        }
    }

    QList<AlertEvent> events;
    for (auto it = present.cbegin(); it != present.cend(); ++it) {
        const Finding &f = *it->finding;
        auto t = tracked.find(it.key());
        if (t == tracked.end()) {
            Tracked fresh;
            fresh.group = it->group;
            fresh.firstSeenMs = now;
            fresh.candidate = f.severity;
            fresh.candidateSinceMs = now;
            t = tracked.insert(it.key(), fresh);
        }
        t->finding = f;
        t->absentSinceMs = -1;
        if (!t->raised) {
            if (now - t->firstSeenMs >= options.raiseAfterMs) {
                t->raised = true;
                t->reported = f.severity;
                t->candidate = f.severity;
                events << eventOf(AlertEvent::Transition::Raised, f, Severity::Ok, now, it.key(),
                                  t->firstSeenMs);
            }
        } else if (f.severity != t->reported) {
            if (t->candidate != f.severity) {
                t->candidate = f.severity;
                t->candidateSinceMs = now;
            }
            if (now - t->candidateSinceMs >= options.raiseAfterMs) {
                events << eventOf(AlertEvent::Transition::Changed, f, t->reported, now, it.key(),
                                  t->firstSeenMs);
                t->reported = f.severity;
            }
        } else {
            t->candidate = t->reported;
        }
    }

    for (auto t = tracked.begin(); t != tracked.end();) {
        if (present.contains(t.key())) {
            ++t;
            continue;
        }
        const auto goneNote = gone.constFind(t->group);
        if (goneNote != gone.cend()) {
            if (t->raised)
                events << eventOf(AlertEvent::Transition::Cleared, t->finding, t->reported, now,
                                  t.key(), t->firstSeenMs, *goneNote);
            t = tracked.erase(t);
            continue;
        }
        if (!looked.contains(t->group)) { // not examined: neither raises nor clears
            ++t;
            continue;
        }
        if (t->absentSinceMs < 0)
            t->absentSinceMs = now;
        if (now - t->absentSinceMs >= options.clearAfterMs) {
            if (t->raised)
                events << eventOf(
                    AlertEvent::Transition::Cleared, t->finding, t->reported, now, t.key(),
                    t->firstSeenMs,
                    QStringLiteral("not found for %1").arg(formatDuration(now - t->absentSinceMs)));
            t = tracked.erase(t);
            continue;
        }
        ++t;
    }
    std::sort(events.begin(), events.end(),
              [](const AlertEvent &a, const AlertEvent &b) { return a.key < b.key; });
    return events;
}

AlertTracker::Options AlertTracker::defaultsFor(int intervalMs) {
    Options o;
    o.raiseAfterMs = 2 * qint64(qMax(1, intervalMs));
    o.clearAfterMs = qMax<qint64>(60000, 3 * qint64(intervalMs));
    return o;
}

AlertTracker::AlertTracker()
    : AlertTracker(Options()) {}

AlertTracker::AlertTracker(Options options)
    : m_options(options)
    , m_state(std::make_shared<State>()) {}

QList<AlertEvent> AlertTracker::update(const QHash<QByteArray, FindingList> &findings,
                                       const QSet<QByteArray> &examined, qint64 nowMs) {
    return m_state->update(m_options, findings, examined, {}, nowMs);
}

QList<AlertEvent> AlertTracker::update(const QHash<QByteArray, FindingList> &findings,
                                       const QSet<QByteArray> &examined,
                                       const QSet<QByteArray> &gone, qint64 nowMs) {
    QHash<QByteArray, QString> notes;
    for (const QByteArray &g : gone)
        notes.insert(g, QStringLiteral("the group is gone: stream deleted or group destroyed"));
    return m_state->update(m_options, findings, examined, notes, nowMs);
}

namespace {
// Whether slot is in "0-5460,10923"; nullopt when the text cannot be read.
std::optional<bool> slotIn(int slot, const QString &ranges) {
    for (const QString &part : ranges.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QStringList ends = part.trimmed().split(QLatin1Char('-'));
        bool okFirst = false;
        bool okLast = false;
        const int first = ends.value(0).toInt(&okFirst);
        const int last = ends.size() == 2 ? ends.value(1).toInt(&okLast) : first;
        if (!okFirst || (ends.size() == 2 && !okLast) || ends.size() > 2)
            return std::nullopt;
        if (slot >= first && slot <= last)
            return true;
    }
    return false;
}
} // namespace

QList<AlertEvent> AlertTracker::update(const GroupSnapshot &snapshot,
                                       const MissingNodeList &missing, qint64 nowMs) {
    QSet<QByteArray> examined;
    QSet<QByteArray> streams;
    for (const StreamStatus &s : snapshot.streams) {
        streams.insert(s.info.name);
        for (const GroupStatus &g : s.groups)
            examined.insert(groupKey(s.info.name, g.name));
    }
    for (auto it = snapshot.findings.cbegin(); it != snapshot.findings.cend(); ++it)
        examined.insert(it.key());

    QHash<QByteArray, QString> gone;
    for (const State::Tracked &t : std::as_const(m_state->tracked)) {
        if (examined.contains(t.group) || gone.contains(t.group))
            continue;
        if (streams.contains(t.finding.stream)) {
            gone.insert(t.group, QStringLiteral("the group is gone: it was destroyed"));
            continue;
        }
        if (snapshot.streamLimit > 0)
            continue; // more streams than watched: it may only have left the watched set
        bool unknown = false;
        for (const MissingNode &m : missing) {
            const std::optional<bool> in =
                m.slots.isEmpty() ? std::nullopt
                                  : slotIn(cluster::keySlot(t.finding.stream), m.slots);
            if (!in || *in) {
                unknown = true; // its node did not answer: neither raised nor cleared
                break;
            }
        }
        if (!unknown)
            gone.insert(t.group, QStringLiteral("the stream is gone: deleted, or its groups "
                                                "destroyed, or no longer readable"));
    }
    return m_state->update(m_options, snapshot.findings, examined, gone, nowMs);
}

QList<AlertEvent> AlertTracker::active() const {
    QList<AlertEvent> events;
    for (auto t = m_state->tracked.cbegin(); t != m_state->tracked.cend(); ++t)
        if (t->raised) {
            events << eventOf(AlertEvent::Transition::Raised, t->finding, Severity::Ok,
                              t->firstSeenMs, t.key(), t->firstSeenMs);
            events.last().finding.severity = t->reported; // what was alerted
        }
    std::sort(events.begin(), events.end(),
              [](const AlertEvent &a, const AlertEvent &b) { return a.key < b.key; });
    return events;
}

int AlertTracker::tracked() const {
    return int(m_state->tracked.size());
}

} // namespace streamscope
