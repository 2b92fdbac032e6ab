#include "Publish.h"

#include "StreamInfo.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUuid>

namespace streamscope {

namespace {

// {{name args}}: what is between the braces, and where.
struct Token {
    qsizetype begin = 0; // index of the first '{'
    qsizetype end = 0;   // index after the last '}'
    QList<QByteArray> words;
};

// The placeholders in text; an unclosed "{{" is an error (returned as a token with no words).
QList<Token> tokens(QByteArrayView text, QString *error) {
    QList<Token> out;
    qsizetype pos = 0;
    while ((pos = text.indexOf("{{", pos)) >= 0) {
        const qsizetype close = text.indexOf("}}", pos + 2);
        if (close < 0) {
            if (error)
                *error = QStringLiteral("\"{{\" is never closed with \"}}\"");
            return out;
        }
        Token t;
        t.begin = pos;
        t.end = close + 2;
        t.words = text.sliced(pos + 2, close - pos - 2).toByteArray().simplified().split(' ');
        out.append(t);
        pos = t.end;
    }
    return out;
}

QString checkToken(const Token &t) {
    const QByteArray &name = t.words.first();
    const qsizetype args = t.words.size() - 1;
    if (name == "uuid" || name == "now" || name == "nowms" || name == "seq")
        return args == 0 ? QString()
                         : QStringLiteral("{{%1}} takes no arguments").arg(QString::fromUtf8(name));
    if (name == "randint") {
        bool okA = false, okB = false;
        const qint64 a = args == 2 ? t.words.at(1).toLongLong(&okA) : 0;
        const qint64 b = args == 2 ? t.words.at(2).toLongLong(&okB) : 0;
        if (!okA || !okB)
            return QStringLiteral(
                "{{randint A B}} needs two whole numbers, e.g. {{randint 1 100}}");
        if (a > b)
            return QStringLiteral("{{randint %1 %2}}: the first number must not be larger than "
                                  "the second")
                .arg(a)
                .arg(b);
        return {};
    }
    return QStringLiteral("unknown placeholder {{%1}}; known: %2")
        .arg(QString::fromUtf8(t.words.join(' ')),
             Placeholders::names().join(QStringLiteral(", ")));
}

// A uniform number from 0 to span inclusive. Not QRandomGenerator::bounded(quint64): for a
// bound past 2^63 its mask shifts by 64 (always 0), and a bound of 0 (span 2^64-1) loops forever.
quint64 uniformUpTo(QRandomGenerator &random, quint64 span) {
    quint64 mask = span; // every bit up to span's highest
    for (int shift = 1; shift < 64; shift *= 2)
        mask |= mask >> shift;
    quint64 v;
    do
        v = random.generate64() & mask;
    while (v > span); // at most half of the draws are rejected
    return v;
}

bool isPartialId(const QByteArray &id) {
    return id.endsWith("-*") && StreamId::isValid(id.chopped(2));
}

} // namespace

QStringList Placeholders::names() {
    return {QStringLiteral("{{uuid}}"), QStringLiteral("{{now}}"), QStringLiteral("{{nowms}}"),
            QStringLiteral("{{seq}}"), QStringLiteral("{{randint A B}}")};
}

QString Placeholders::check(QByteArrayView text) {
    QString error;
    for (const Token &t : tokens(text, &error))
        if (QString e = checkToken(t); !e.isEmpty())
            return e;
    return error;
}

QByteArray Placeholders::fill(QByteArrayView text, qint64 seq, qint64 nowMs) {
    const QList<Token> found = tokens(text, nullptr);
    if (found.isEmpty())
        return text.toByteArray();
    QByteArray out;
    out.reserve(text.size() + 32);
    qsizetype copied = 0;
    for (const Token &t : found) {
        out.append(text.sliced(copied, t.begin - copied));
        copied = t.end;
        const QByteArray &name = t.words.first();
        if (name == "uuid")
            out.append(QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
        else if (name == "now")
            out.append(QDateTime::fromMSecsSinceEpoch(nowMs, Qt::UTC)
                           .toString(Qt::ISODateWithMs)
                           .toLatin1());
        else if (name == "nowms")
            out.append(QByteArray::number(nowMs));
        else if (name == "seq")
            out.append(QByteArray::number(seq));
        else if (name == "randint" && t.words.size() == 3) {
            const qint64 a = t.words.at(1).toLongLong();
            const qint64 b = t.words.at(2).toLongLong();
            // In unsigned arithmetic: b - a overflows qint64 for wide ranges.
            const quint64 offset = uniformUpTo(m_random, quint64(b) - quint64(a));
            out.append(QByteArray::number(qint64(quint64(a) + offset)));
        } else
            out.append(text.sliced(t.begin, t.end - t.begin)); // validate() rejects these first
    }
    out.append(text.sliced(copied));
    return out;
}

PublishProblems validate(const PublishRequest &r) {
    PublishProblems problems;
    if (r.stream.isEmpty())
        problems.append({PublishProblem::Where::Stream, -1,
                         QStringLiteral("Name the stream to append to (it is created if it does "
                                        "not exist).")});
    if (r.fields.isEmpty())
        problems.append({PublishProblem::Where::Fields, -1,
                         QStringLiteral("An entry needs at least one field; add a row or paste a "
                                        "JSON object.")});
    for (qsizetype i = 0; i < r.fields.size(); ++i) {
        const auto &[name, value] = r.fields.at(i);
        if (name.isEmpty())
            problems.append({PublishProblem::Where::FieldName, int(i),
                             QStringLiteral("Row %1: the field name is empty.").arg(i + 1)});
        else if (QString e = Placeholders::check(name); !e.isEmpty())
            problems.append({PublishProblem::Where::FieldName, int(i),
                             QStringLiteral("Row %1 name: %2").arg(i + 1).arg(e)});
        if (QString e = Placeholders::check(value); !e.isEmpty())
            problems.append({PublishProblem::Where::FieldValue, int(i),
                             QStringLiteral("Row %1 value: %2").arg(i + 1).arg(e)});
    }
    const QByteArray id = r.id.trimmed();
    if (!id.isEmpty() && id != "*" && !isPartialId(id)) {
        auto parsed = StreamId::parse(id);
        if (!parsed.ok())
            problems.append({PublishProblem::Where::Id, -1,
                             QStringLiteral("ID: %1. Leave it empty or * to let the server "
                                            "choose.")
                                 .arg(parsed.error().message)});
        else if (parsed->isZero())
            problems.append({PublishProblem::Where::Id, -1,
                             QStringLiteral("ID: 0-0 is not a valid entry ID; the smallest is "
                                            "0-1.")});
    }
    const QByteArray trim = r.trimValue.trimmed();
    if (r.trim == PublishRequest::Trim::MaxLen) {
        bool ok = false;
        const qint64 n = trim.toLongLong(&ok);
        if (!ok || n < 0)
            problems.append({PublishProblem::Where::Trim, -1,
                             QStringLiteral("MAXLEN: \"%1\" is not a whole number >= 0 (the "
                                            "entries to keep, e.g. 10000).")
                                 .arg(QString::fromUtf8(trim))});
    } else if (r.trim == PublishRequest::Trim::MinId) {
        if (auto parsed = StreamId::parse(trim); !parsed.ok())
            problems.append({PublishProblem::Where::Trim, -1,
                             QStringLiteral("MINID: %1 (entries older than this ID go).")
                                 .arg(parsed.error().message)});
    }
    return problems;
}

Result<FieldList> fieldsFromJson(const QByteArray &json) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("not valid JSON at character %1: %2")
                         .arg(error.offset)
                         .arg(error.errorString()));
    if (!doc.isObject())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("paste a JSON object ({\"field\": \"value\", ...}); each "
                                    "member becomes a field"));
    // QJsonObject sorts its keys: read the members in the order they were written instead.
    FieldList fields;
    const QJsonObject object = doc.object();
    static const QRegularExpression key(QStringLiteral("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:"));
    QSet<QString> seen;
    int depth = 0;
    const QString text = QString::fromUtf8(json);
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar ch = text.at(i);
        if (ch == QLatin1Char('"')) {
            if (depth == 1) {
                const auto m = key.match(text, i, QRegularExpression::NormalMatch,
                                         QRegularExpression::AnchorAtOffsetMatchOption);
                if (m.hasMatch()) {
                    const QString name =
                        QJsonDocument::fromJson("[\"" + m.captured(1).toUtf8() + "\"]")
                            .array()
                            .first()
                            .toString();
                    if (!seen.contains(name) && object.contains(name)) {
                        seen.insert(name);
                        const QJsonValue v = object.value(name);
                        QByteArray value;
                        if (v.isString())
                            value = v.toString().toUtf8();
                        else if (v.isObject())
                            value = QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
                        else if (v.isArray())
                            value = QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
                        else
                            value = QJsonDocument(QJsonArray{v})
                                        .toJson(QJsonDocument::Compact)
                                        .chopped(1)
                                        .mid(1);
                        fields.append({name.toUtf8(), value});
                    }
                    i = m.capturedEnd(0) - 1;
                    continue;
                }
            }
            // Skip the string.
            for (++i; i < text.size() && text.at(i) != QLatin1Char('"'); ++i)
                if (text.at(i) == QLatin1Char('\\'))
                    ++i;
        } else if (ch == QLatin1Char('{') || ch == QLatin1Char('[')) {
            ++depth;
        } else if (ch == QLatin1Char('}') || ch == QLatin1Char(']')) {
            --depth;
        }
    }
    if (fields.isEmpty())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("the JSON object has no members"));
    return fields;
}

Command xaddCommand(const PublishRequest &r, Placeholders &placeholders, qint64 seq, qint64 nowMs) {
    Command cmd{"XADD", r.stream};
    const QByteArray trim = r.trimValue.trimmed();
    if (r.trim != PublishRequest::Trim::None) {
        cmd << (r.trim == PublishRequest::Trim::MaxLen ? "MAXLEN" : "MINID");
        cmd << (r.approximate ? "~" : "=") << trim;
    }
    const QByteArray id = r.id.trimmed();
    cmd << (id.isEmpty() ? QByteArray("*") : id);
    for (const auto &[name, value] : r.fields)
        cmd << placeholders.fill(name, seq, nowMs) << placeholders.fill(value, seq, nowMs);
    return cmd;
}

std::optional<PublishProblem> checkIdAgainstStream(RedisClient &connection,
                                                   const PublishRequest &r) {
    const QByteArray id = r.id.trimmed();
    if (id.isEmpty() || id == "*")
        return std::nullopt;
    const bool partial = isPartialId(id);
    auto parsed = StreamId::parse(partial ? id.chopped(2) + "-0" : id);
    if (!parsed.ok())
        return std::nullopt; // validate() says so
    auto reply = connection.command({"XINFO", "STREAM", r.stream});
    if (!reply.ok() || reply->isError())
        return std::nullopt; // no stream yet (any ID goes), or the server will say
    const auto info = StreamInfo::fromReply(r.stream, reply.value());
    if (!info)
        return std::nullopt;
    const StreamId last = info->lastGeneratedId;
    const bool tooSmall = partial ? parsed->ms < last.ms : parsed.value() <= last;
    if (!tooSmall)
        return std::nullopt;
    return PublishProblem{PublishProblem::Where::Id, -1,
                          QStringLiteral("ID: %1 is not greater than the stream's last ID %2. "
                                         "Use a greater ID, or * to let the server choose.")
                              .arg(QString::fromUtf8(id), QString::fromLatin1(last.toByteArray()))};
}

QString describePublishError(const RedisReply &reply) {
    QString hint;
    const QString message = reply.errorMessage();
    if (message.contains(QLatin1String("equal or smaller")))
        hint = QStringLiteral("An explicit ID must be greater than the stream's last ID; leave "
                              "the ID empty to let the server choose.");
    else if (reply.errorCode() == "WRONGTYPE")
        hint = QStringLiteral("The key exists and is not a stream: choose another name, or "
                              "delete the key first.");
    else if (reply.errorCode() == "NOPERM")
        hint = QStringLiteral("The ACL user may not XADD to this key: connect as a user with "
                              "+xadd on it, or ask an administrator.");
    else if (reply.errorCode() == "OOM")
        hint = QStringLiteral("The server is out of memory (maxmemory): trim streams or raise "
                              "the limit.");
    return hint.isEmpty() ? message : message + QStringLiteral(" (") + hint + QLatin1Char(')');
}

QByteArray PublishTemplate::toJson() const {
    QJsonArray rows;
    for (const auto &[fieldName, value] : fields)
        rows.append(QJsonArray{QString::fromUtf8(fieldName), QString::fromUtf8(value)});
    QJsonObject o{{QStringLiteral("name"), name},
                  {QStringLiteral("stream"), QString::fromUtf8(stream)},
                  {QStringLiteral("fields"), rows}};
    if (!description.isEmpty())
        o.insert(QStringLiteral("description"), description);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

Result<PublishTemplate> PublishTemplate::fromJson(const QByteArray &json) {
    const QJsonObject o = QJsonDocument::fromJson(json).object();
    PublishTemplate t;
    t.name = o.value(QStringLiteral("name")).toString();
    t.description = o.value(QStringLiteral("description")).toString();
    t.stream = o.value(QStringLiteral("stream")).toString().toUtf8();
    for (const QJsonValue &row : o.value(QStringLiteral("fields")).toArray()) {
        const QJsonArray pair = row.toArray();
        if (pair.size() != 2)
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("template %1: each field is [name, value]").arg(t.name));
        t.fields.append({pair.at(0).toString().toUtf8(), pair.at(1).toString().toUtf8()});
    }
    if (t.name.isEmpty() || t.fields.isEmpty())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("a template needs a name and at least one field"));
    return t;
}

QList<PublishTemplate> builtInTemplates() {
    QList<PublishTemplate> out;
    const QDir dir(QStringLiteral(":/templates"));
    for (const QString &file : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        QFile f(dir.filePath(file));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        if (auto t = PublishTemplate::fromJson(f.readAll()); t.ok()) {
            t->builtIn = true;
            out.append(t.value());
        }
    }
    return out;
}

} // namespace streamscope
