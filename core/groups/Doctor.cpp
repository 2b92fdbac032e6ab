#include "Doctor.h"

#include "ValueFormat.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QThread>

#include <algorithm>
#include <cmath>

namespace streamscope {

namespace {

QJsonValue optionalNumber(std::optional<qint64> v) {
    return v ? QJsonValue(double(*v)) : QJsonValue();
}

// The time lag, or nothing when it could not be read (never 0 for "unknown").
std::optional<qint64> timeLag(const GroupStatus &g) {
    return g.timeLagUnknown.isEmpty() ? std::optional<qint64>(g.timeLagMs) : std::nullopt;
}

} // namespace

int DoctorReport::findingCount() const {
    int n = 0;
    for (const Stream &s : streams)
        for (const Group &g : s.groups)
            n += problemCount(g.findings);
    return n;
}

QList<DoctorReport::NotEvaluated> DoctorReport::notEvaluated() const {
    QList<NotEvaluated> out;
    for (const Stream &s : streams)
        for (const Group &g : s.groups)
            for (const Finding &f : g.findings) {
                if (f.kind != QLatin1String("not-evaluated"))
                    continue;
                auto it = std::find_if(out.begin(), out.end(), [&](const NotEvaluated &n) {
                    return n.rules == f.rules && n.reason == f.reason;
                });
                if (it == out.end())
                    it = out.insert(out.end(), {f.rules, f.reason, 0});
                ++it->groups;
            }
    return out;
}

int DoctorReport::forbiddenStreams() const {
    return int(std::count_if(streams.begin(), streams.end(),
                             [](const Stream &s) { return !s.info.noAccess.isEmpty(); }));
}

bool DoctorReport::partial() const {
    return !missing.isEmpty() || forbiddenStreams() > 0 || !notEvaluated().isEmpty() || truncated;
}

Result<DoctorReport> runDoctor(RedisClient &connection, const QByteArray &pattern,
                               const HealthOptions &options, const std::atomic<bool> *cancel) {
    DoctorReport report;
    const int version =
        fetchServerVersion(connection, &report.version, &report.mode, &report.versionUnknown);
    // Every primary (each its own SCAN): a node that cannot be scanned is named, not skipped.
    auto scanned = scanStreams(connection, pattern, 100000, 100000);
    if (!scanned.ok())
        return scanned.error();
    report.truncated = scanned->truncated;
    report.missing = scanned->missing;
    const bool onCluster = connection.topology() == RedisClient::Topology::Cluster;

    // The streams by the node that listed them, asked one node at a time so that a node lost
    // while the doctor runs is named in the report and the others are still examined.
    QList<QPair<QString, QList<QByteArray>>> byNode;
    QHash<QString, qsizetype> at;
    for (const MissingNode &m : report.missing)
        at.insert(m.endpoint, -1); // its SCAN broke off: already named as missing
    for (const QByteArray &name : scanned->names) {
        const QString node = scanned->nodeOf.value(name);
        auto it = at.constFind(node);
        if (it == at.cend()) {
            it = at.insert(node, byNode.size());
            byNode.append({node, {}});
        }
        if (*it >= 0)
            byNode[*it].second.append(name);
    }
    const QList<RedisClient::Node> nodes = connection.nodes();
    auto lose = [&](qsizetype i, const Error &e) {
        QString slots;
        for (const RedisClient::Node &n : nodes)
            if (n.endpoint == byNode.at(i).first)
                slots = slotRangesText(n.slotRanges);
        report.missing.append({byNode.at(i).first, slots, e.message});
        byNode.removeAt(i);
    };

    // One node's streams, in bounded pipelines of doctorChunkStreams streams per round trip.
    auto sampleNode = [&](const QList<QByteArray> &names) -> Result<StreamStatusList> {
        StreamStatusList all;
        for (qsizetype i = 0; i < names.size(); i += doctorChunkStreams) {
            // A stream the user may not read is kept (noAccess), to be reported, not dropped.
            auto part =
                fetchStreamStatus(connection, names.mid(i, doctorChunkStreams), version, true);
            if (!part.ok())
                return part.error();
            all.append(part.value());
        }
        return all;
    };
    // Every node's streams; on a cluster a node that fails now drops out, named.
    auto sample = [&]() -> Result<StreamStatusList> {
        StreamStatusList all;
        for (qsizetype i = 0; i < byNode.size();) {
            auto part = sampleNode(byNode.at(i).second);
            if (!part.ok()) {
                if (!onCluster || isPermissionRefusal(part.error()))
                    return part.error(); // a refusal is the same on every node
                lose(i, part.error());
                continue;
            }
            all.append(part.value());
            ++i;
        }
        return all;
    };

    QHash<QByteArray, QList<GroupStatus>> history;
    for (int second = 0; second < options.windowSeconds; ++second) {
        auto earlier = sample();
        if (!earlier.ok())
            return earlier.error();
        for (const StreamStatus &s : earlier.value())
            for (const GroupStatus &g : s.groups)
                history[groupKey(s.info.name, g.name)].append(g);
        for (int slice = 0; slice < 20; ++slice) {
            if (cancel && *cancel)
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            QThread::msleep(50);
        }
    }
    // The last sample, the pending entries the rules need and the rules, node by node and
    // chunk by chunk: a chunk's figures, samples and findings are done before the next is asked
    // for, so nothing is held or walked for every stream at once. A node that fails part-way
    // contributes nothing (it is named as missing), as when it failed at its first chunk.
    for (qsizetype i = 0; i < byNode.size();) {
        const QList<QByteArray> &names = byNode.at(i).second;
        QList<DoctorReport::Stream> examined;
        examined.reserve(names.size());
        std::optional<Error> failed;
        for (qsizetype from = 0; from < names.size(); from += doctorChunkStreams) {
            if (cancel && *cancel)
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            auto now =
                fetchStreamStatus(connection, names.mid(from, doctorChunkStreams), version, true);
            Result<QHash<QByteArray, PendingSample>> pending = QHash<QByteArray, PendingSample>();
            if (now.ok())
                pending = fetchPendingSamples(connection, now.value(), options);
            if (!now.ok() || !pending.ok()) {
                failed = now.ok() ? pending.error() : now.error();
                break;
            }
            for (StreamStatus &s : now.value()) {
                DoctorReport::Stream stream{std::move(s.info), {}};
                stream.info.node = byNode.at(i).first; // the node that listed it
                stream.groups.reserve(s.groups.size());
                for (GroupStatus &g : s.groups) {
                    const QByteArray key = groupKey(stream.info.name, g.name);
                    const QList<GroupStatus> earlier =
                        history.isEmpty() ? QList<GroupStatus>() : history.value(key);
                    FindingList findings =
                        evaluateGroup(stream.info, g, earlier, pending->value(key), options);
                    stream.groups.append({std::move(g), std::move(findings)});
                }
                examined.append(std::move(stream));
            }
        }
        if (failed) {
            if (!onCluster || isPermissionRefusal(*failed))
                return *failed;
            lose(i, *failed);
            continue;
        }
        report.streams.append(std::move(examined));
        ++i;
    }
    // SCAN's names come sorted, and so does one node's report; several nodes' are merged here.
    auto byName = [](const DoctorReport::Stream &a, const DoctorReport::Stream &b) {
        return a.info.name < b.info.name;
    };
    if (!std::is_sorted(report.streams.begin(), report.streams.end(), byName))
        std::sort(report.streams.begin(), report.streams.end(), byName);
    return report;
}

QJsonObject doctorReportJson(const DoctorReport &report) {
    QJsonArray streams;
    for (const DoctorReport::Stream &s : report.streams) {
        QJsonArray groups;
        for (const DoctorReport::Group &g : s.groups) {
            QJsonArray findings;
            for (const Finding &f : g.findings) {
                QJsonObject o{{QStringLiteral("kind"), f.kind},
                              {QStringLiteral("severity"), severityName(f.severity)},
                              {QStringLiteral("message"), f.message}};
                if (!f.consumer.isEmpty())
                    o.insert(QStringLiteral("consumer"), valueformat::displayText(f.consumer));
                if (f.entryId)
                    o.insert(QStringLiteral("entry_id"), f.entryId->toString());
                if (f.count)
                    o.insert(QStringLiteral("count"), double(*f.count));
                if (f.atMost)
                    o.insert(QStringLiteral("count_at_most"), double(*f.atMost));
                if (f.idleMs)
                    o.insert(QStringLiteral("idle_ms"), double(*f.idleMs));
                if (f.deliveries)
                    o.insert(QStringLiteral("deliveries"), double(*f.deliveries));
                if (!f.rules.isEmpty()) {
                    o.insert(QStringLiteral("rules"), QJsonArray::fromStringList(f.rules));
                    o.insert(QStringLiteral("reason"), f.reason);
                }
                findings.append(o);
            }
            QJsonArray consumers;
            for (const ConsumerStatus &cs : g.status.consumerList)
                consumers.append(
                    QJsonObject{{QStringLiteral("name"), valueformat::displayText(cs.name)},
                                {QStringLiteral("pending"), cs.pending},
                                {QStringLiteral("idle_ms"), cs.idleMs},
                                {QStringLiteral("inactive_ms"), optionalNumber(cs.inactiveMs)}});
            groups.append(QJsonObject{
                {QStringLiteral("name"), valueformat::displayText(g.status.name)},
                {QStringLiteral("consumers"), g.status.consumers},
                {QStringLiteral("pending"), g.status.pending},
                {QStringLiteral("last_delivered_id"), g.status.lastDeliveredId.toString()},
                {QStringLiteral("entries_read"), optionalNumber(g.status.entriesRead)},
                {QStringLiteral("lag"), optionalNumber(g.status.lag)},
                {QStringLiteral("lag_estimated"), g.status.lagEstimated},
                {QStringLiteral("time_lag_ms"), optionalNumber(timeLag(g.status))},
                {QStringLiteral("time_lag_unknown"), g.status.timeLagUnknown},
                {QStringLiteral("status"), severityName(worstOf(g.findings))},
                {QStringLiteral("findings"), findings},
                {QStringLiteral("consumers_detail"), consumers}});
        }
        if (!s.info.noAccess.isEmpty()) { // not examined: the user may not read it
            streams.append(QJsonObject{
                {QStringLiteral("name"), valueformat::displayText(s.info.name)},
                {QStringLiteral("node"), s.info.node},
                {QStringLiteral("slot"), s.info.slot >= 0 ? QJsonValue(s.info.slot) : QJsonValue()},
                {QStringLiteral("no_access"), s.info.noAccess}});
            continue;
        }
        streams.append(QJsonObject{
            {QStringLiteral("name"), valueformat::displayText(s.info.name)},
            {QStringLiteral("node"), s.info.node},
            {QStringLiteral("slot"), s.info.slot >= 0 ? QJsonValue(s.info.slot) : QJsonValue()},
            {QStringLiteral("length"), s.info.length},
            {QStringLiteral("first_id"),
             s.info.firstEntryId ? QJsonValue(s.info.firstEntryId->toString()) : QJsonValue()},
            {QStringLiteral("last_id"),
             s.info.lastEntryId ? QJsonValue(s.info.lastEntryId->toString()) : QJsonValue()},
            {QStringLiteral("groups"), groups}});
    }
    QJsonArray missing;
    for (const MissingNode &m : report.missing)
        missing.append(QJsonObject{{QStringLiteral("node"), m.endpoint},
                                   {QStringLiteral("slots"), m.slots},
                                   {QStringLiteral("reason"), m.reason}});
    QJsonArray notEvaluated;
    for (const DoctorReport::NotEvaluated &n : report.notEvaluated())
        notEvaluated.append(
            QJsonObject{{QStringLiteral("rules"), QJsonArray::fromStringList(n.rules)},
                        {QStringLiteral("reason"), n.reason},
                        {QStringLiteral("groups"), n.groups}});
    QJsonObject server{{QStringLiteral("version"), report.version},
                       {QStringLiteral("mode"), report.mode}};
    if (!report.versionUnknown.isEmpty()) {
        server.insert(QStringLiteral("version"), QJsonValue());
        server.insert(QStringLiteral("mode"), QJsonValue());
        server.insert(QStringLiteral("unknown_reason"), report.versionUnknown);
    }
    QJsonObject out{{QStringLiteral("server"), server},
                    {QStringLiteral("streams"), streams},
                    {QStringLiteral("missing"), missing},
                    {QStringLiteral("not_evaluated"), notEvaluated},
                    {QStringLiteral("partial"), report.partial()}};
    // Only when it happens (more streams match than were examined), so that the usual shape
    // stays as it was.
    if (report.truncated)
        out.insert(QStringLiteral("truncated"), true);
    return out;
}

namespace {

// JSON text written straight into one buffer, byte for byte as QJsonDocument::toJson(Compact)
// writes the same values (Qt 6's qjsonwriter): keys in the order QJsonObject keeps them
// (sorted), strings as UTF-8 with \" \\ \b \f \n \r \t and \u00XX for the other control
// characters and \uXXXX for a lone surrogate, integral numbers as integers and others in the
// shortest form. Building the QJsonObject tree and serialising it took about 30% of
// `doctor --json`'s CPU time at 10,000 streams, and a copy of the report in memory.
class JsonText {
public:
    explicit JsonText(qsizetype reserve) { m_out.reserve(reserve); }
    QByteArray take() { return std::move(m_out); }

    JsonText &raw(const char *text) {
        m_out.append(text);
        return *this;
    }
    // An entry ID, or null where there is none (an empty stream).
    JsonText &id(const std::optional<StreamId> &id) {
        return id ? string(id->toString()) : raw("null");
    }
    // "key": with the separator before it unless it is the first of its object.
    JsonText &key(const char *k) {
        if (!m_first)
            m_out.append(',');
        m_first = false;
        m_out.append('"').append(k).append("\":");
        return *this;
    }
    JsonText &open(char bracket) {
        m_out.append(bracket);
        m_first = true;
        return *this;
    }
    JsonText &close(char bracket) {
        m_out.append(bracket);
        m_first = false;
        return *this;
    }
    // An element of an array: the separator before it.
    JsonText &element() {
        if (!m_first)
            m_out.append(',');
        m_first = false;
        return *this;
    }
    JsonText &string(QStringView s) {
        // At most 6 bytes for each UTF-16 unit (\u00XX), and the quotes: written in place.
        const qsizetype at = m_out.size();
        const qsizetype most = at + 6 * s.size() + 2;
        if (m_out.capacity() < most)
            m_out.reserve(qMax(most, 2 * m_out.capacity()));
        m_out.resize(most);
        char *o = m_out.data() + at;
        *o++ = '"';
        const char16_t *p = s.utf16();
        const char16_t *const end = p + s.size();
        while (p != end) {
            const char16_t u = *p++;
            if (u < 0x80) {
                if (u >= 0x20 && u != '"' && u != '\\') {
                    *o++ = char(u);
                    continue;
                }
                *o++ = '\\';
                switch (u) {
                case '"':
                    *o++ = '"';
                    break;
                case '\\':
                    *o++ = '\\';
                    break;
                case 0x8:
                    *o++ = 'b';
                    break;
                case 0xc:
                    *o++ = 'f';
                    break;
                case 0xa:
                    *o++ = 'n';
                    break;
                case 0xd:
                    *o++ = 'r';
                    break;
                case 0x9:
                    *o++ = 't';
                    break;
                default:
                    *o++ = 'u';
                    *o++ = '0';
                    *o++ = '0';
                    *o++ = hex(u >> 4);
                    *o++ = hex(u & 0xf);
                }
            } else if (u < 0x800) {
                *o++ = char(0xc0 | (u >> 6));
                *o++ = char(0x80 | (u & 0x3f));
            } else if (QChar::isHighSurrogate(u) && p != end && QChar::isLowSurrogate(*p)) {
                const char32_t c = QChar::surrogateToUcs4(u, *p++);
                *o++ = char(0xf0 | (c >> 18));
                *o++ = char(0x80 | ((c >> 12) & 0x3f));
                *o++ = char(0x80 | ((c >> 6) & 0x3f));
                *o++ = char(0x80 | (c & 0x3f));
            } else if (QChar::isSurrogate(u)) { // alone: no UTF-8 for it
                *o++ = '\\';
                *o++ = 'u';
                *o++ = hex(u >> 12);
                *o++ = hex((u >> 8) & 0xf);
                *o++ = hex((u >> 4) & 0xf);
                *o++ = hex(u & 0xf);
            } else {
                *o++ = char(0xe0 | (u >> 12));
                *o++ = char(0x80 | ((u >> 6) & 0x3f));
                *o++ = char(0x80 | (u & 0x3f));
            }
        }
        *o++ = '"';
        m_out.resize(o - m_out.constData());
        return *this;
    }
    JsonText &integer(qint64 v) {
        m_out.append(QByteArray::number(v));
        return *this;
    }
    // As QJsonValue(double) is written: an integral value a double holds exactly (up to 2^53)
    // as an integer, anything else in the shortest form ("1e+18", "1152921504606847000").
    JsonText &number(double d) {
        if (!std::isfinite(d))
            m_out.append("null");
        else if (std::abs(d) <= 9007199254740992.0 && d == std::trunc(d))
            m_out.append(QByteArray::number(qint64(d)));
        else
            m_out.append(QByteArray::number(d, 'g', QLocale::FloatingPointShortest));
        return *this;
    }
    JsonText &number(std::optional<qint64> v) { return v ? number(double(*v)) : raw("null"); }
    JsonText &boolean(bool b) { return raw(b ? "true" : "false"); }
    JsonText &strings(const QStringList &list) {
        open('[');
        for (const QString &s : list)
            element().string(s);
        return close(']');
    }

private:
    static char hex(uint v) { return char(v < 10 ? '0' + v : 'a' + v - 10); }
    QByteArray m_out;
    bool m_first = true;
};

void findingJson(JsonText &j, const Finding &f) {
    j.open('{');
    if (!f.consumer.isEmpty())
        j.key("consumer").string(valueformat::displayText(f.consumer));
    if (f.count)
        j.key("count").number(double(*f.count));
    if (f.atMost)
        j.key("count_at_most").number(double(*f.atMost));
    if (f.deliveries)
        j.key("deliveries").number(double(*f.deliveries));
    if (f.entryId)
        j.key("entry_id").string(f.entryId->toString());
    if (f.idleMs)
        j.key("idle_ms").number(double(*f.idleMs));
    j.key("kind").string(f.kind);
    j.key("message").string(f.message);
    if (!f.rules.isEmpty()) {
        j.key("reason").string(f.reason);
        j.key("rules").strings(f.rules);
    }
    j.key("severity").string(severityName(f.severity));
    j.close('}');
}

void groupJson(JsonText &j, const DoctorReport::Group &g) {
    const GroupStatus &st = g.status;
    j.open('{');
    j.key("consumers").integer(st.consumers);
    j.key("consumers_detail").open('[');
    for (const ConsumerStatus &cs : st.consumerList) {
        j.element().open('{');
        j.key("idle_ms").integer(cs.idleMs);
        j.key("inactive_ms").number(cs.inactiveMs);
        j.key("name").string(valueformat::displayText(cs.name));
        j.key("pending").integer(cs.pending);
        j.close('}');
    }
    j.close(']');
    j.key("entries_read").number(st.entriesRead);
    j.key("findings").open('[');
    for (const Finding &f : g.findings) {
        j.element();
        findingJson(j, f);
    }
    j.close(']');
    j.key("lag").number(st.lag);
    j.key("lag_estimated").boolean(st.lagEstimated);
    j.key("last_delivered_id").string(st.lastDeliveredId.toString());
    j.key("name").string(valueformat::displayText(st.name));
    j.key("pending").integer(st.pending);
    j.key("status").string(severityName(worstOf(g.findings)));
    j.key("time_lag_ms").number(timeLag(st));
    j.key("time_lag_unknown").string(st.timeLagUnknown);
    j.close('}');
}

void streamJson(JsonText &j, const DoctorReport::Stream &s) {
    auto slot = [&] {
        if (s.info.slot >= 0)
            j.key("slot").integer(s.info.slot);
        else
            j.key("slot").raw("null");
    };
    j.open('{');
    if (!s.info.noAccess.isEmpty()) { // not examined: the user may not read it
        j.key("name").string(valueformat::displayText(s.info.name));
        j.key("no_access").string(s.info.noAccess);
        j.key("node").string(s.info.node);
        slot();
        j.close('}');
        return;
    }
    j.key("first_id").id(s.info.firstEntryId);
    j.key("groups").open('[');
    for (const DoctorReport::Group &g : s.groups) {
        j.element();
        groupJson(j, g);
    }
    j.close(']');
    j.key("last_id").id(s.info.lastEntryId);
    j.key("length").integer(s.info.length);
    j.key("name").string(valueformat::displayText(s.info.name));
    j.key("node").string(s.info.node);
    slot();
    j.close('}');
}

} // namespace

QByteArray doctorReportJsonText(const DoctorReport &report) {
    // About 1.1 KB a stream with three groups: one allocation for most reports.
    JsonText j(1024 + report.streams.size() * 1280);
    j.open('{');
    j.key("missing").open('[');
    for (const MissingNode &m : report.missing) {
        j.element().open('{');
        j.key("node").string(m.endpoint);
        j.key("reason").string(m.reason);
        j.key("slots").string(m.slots);
        j.close('}');
    }
    j.close(']');
    j.key("not_evaluated").open('[');
    for (const DoctorReport::NotEvaluated &n : report.notEvaluated()) {
        j.element().open('{');
        j.key("groups").integer(n.groups);
        j.key("reason").string(n.reason);
        j.key("rules").strings(n.rules);
        j.close('}');
    }
    j.close(']');
    j.key("partial").boolean(report.partial());
    j.key("server").open('{');
    if (!report.versionUnknown.isEmpty()) {
        j.key("mode").raw("null");
        j.key("unknown_reason").string(report.versionUnknown);
        j.key("version").raw("null");
    } else {
        j.key("mode").string(report.mode);
        j.key("version").string(report.version);
    }
    j.close('}');
    j.key("streams").open('[');
    for (const DoctorReport::Stream &s : report.streams) {
        j.element();
        streamJson(j, s);
    }
    j.close(']');
    if (report.truncated)
        j.key("truncated").boolean(true);
    j.close('}');
    return j.take();
}

} // namespace streamscope
