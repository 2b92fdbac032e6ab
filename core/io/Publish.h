#pragma once

#include "AutoClient.h"
#include "StreamId.h"

#include <QMetaType>
#include <QRandomGenerator>

namespace streamscope {

using FieldList = QList<std::pair<QByteArray, QByteArray>>;

// One entry to append, as a person fills it in: fields may hold placeholders ({{uuid}},
// {{now}}, {{nowms}}, {{seq}}, {{randint A B}}) that are filled at send time.
struct PublishRequest {
    enum class Trim { None, MaxLen, MinId };
    QByteArray stream;
    FieldList fields;
    QByteArray id = "*"; // "*", "<ms>-*" or a full ID
    Trim trim = Trim::None;
    QByteArray trimValue; // MAXLEN count or MINID ID
    bool approximate = false;
};

// What is wrong with a request, and where: the form puts each message next to its input.
struct PublishProblem {
    enum class Where { Stream, Fields, FieldName, FieldValue, Id, Trim };
    Where where;
    int row = -1; // the field row, for FieldName and FieldValue
    QString message;
};
using PublishProblems = QList<PublishProblem>;

// Fills placeholders. One per run of sends: {{seq}} counts 1, 2, ... per entry.
class Placeholders {
public:
    static QStringList names(); // for help texts
    // Every {{...}} in text is known and well formed; otherwise why not.
    static QString check(QByteArrayView text);
    QByteArray fill(QByteArrayView text, qint64 seq, qint64 nowMs);

private:
    QRandomGenerator m_random{QRandomGenerator::securelySeeded()};
};

// Everything checkable without the server: names, fields, placeholders, ID, trimming.
PublishProblems validate(const PublishRequest &request);
// A JSON object as fields: strings as they are, other values as compact JSON. Order is kept.
Result<FieldList> fieldsFromJson(const QByteArray &json);
// The XADD command for the request with placeholders filled for entry number seq (1-based).
Command xaddCommand(const PublishRequest &request, Placeholders &placeholders, qint64 seq,
                    qint64 nowMs);
// An explicit ID must be greater than the stream's last ID: asks the server (XINFO STREAM) and
// returns the problem, if any, before anything is sent.
std::optional<PublishProblem> checkIdAgainstStream(RedisClient &connection,
                                                   const PublishRequest &request);
// The server's words, and what to do about them.
QString describePublishError(const RedisReply &reply);

// A saved form: name, default stream and field rows.
struct PublishTemplate {
    QString name;
    QString description;
    QByteArray stream;
    FieldList fields;
    bool builtIn = false;
    QByteArray toJson() const;
    static Result<PublishTemplate> fromJson(const QByteArray &json);
};
// The templates shipped in resources (:/templates/*.json).
QList<PublishTemplate> builtInTemplates();

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::PublishRequest)
