#include "FlowConfig.h"

#include <QCommandLineParser>
#include <QSettings>

namespace streamscope {

namespace {

const QString startFlag = QStringLiteral("flow-start");
const QString endFlag = QStringLiteral("flow-end");
const QString keyFlag = QStringLiteral("flow-key");
const QString typeFieldFlag = QStringLiteral("flow-type-field");

Error invalid(const QString &message) {
    return Error(Error::Kind::InvalidArgument, message);
}

struct StreamAndTypes {
    QByteArray stream;
    QList<QByteArray> types; // at least one; [""] for "any type"
};

Result<StreamAndTypes> parseStreamTypes(const QString &flag, const QString &value, bool list) {
    const QString form =
        list ? QStringLiteral("STREAM:COMPLETED[,FAILED...]") : QStringLiteral("STREAM:TYPE");
    const QString example = list ? QStringLiteral("bull:myqueue:events:completed,failed")
                                 : QStringLiteral("bull:myqueue:events:added");
    const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return invalid(QStringLiteral("--%1 needs %2, e.g. %3 (the type follows the last colon; "
                                      "'STREAM:' takes any entry of the stream), not \"%4\"")
                           .arg(flag, form, example, value));
    StreamAndTypes out;
    out.stream = value.left(colon).toUtf8();
    if (out.stream.isEmpty())
        return invalid(QStringLiteral("--%1 needs a stream name before the colon (%2), not \"%3\"")
                           .arg(flag, form, value));
    const QString types = value.mid(colon + 1).trimmed();
    if (!list) {
        out.types << types.toUtf8();
        return out;
    }
    const QStringList parts = types.split(QLatin1Char(','));
    for (qsizetype i = 0; i < parts.size(); ++i) {
        const QString t = parts.at(i).trimmed();
        // "STREAM:" (any end) is fine; an empty failure type in a list is a typo.
        if (t.isEmpty() && (i > 0 || parts.size() > 1))
            return invalid(
                QStringLiteral("--%1: an empty type in \"%2\" (%3)").arg(flag, value, form));
        out.types << t.toUtf8();
    }
    return out;
}

} // namespace

QList<QByteArray> FlowConfig::failedTypes() const {
    QList<QByteArray> out;
    for (const QByteArray &t : failedType.split(',')) {
        const QByteArray trimmed = t.trimmed();
        if (!trimmed.isEmpty())
            out << trimmed;
    }
    return out;
}

bool FlowConfig::isFailedType(const QByteArray &type) const {
    return failedTypes().contains(type);
}

QList<QByteArray> FlowConfig::streams() const {
    QList<QByteArray> out{startStream};
    if (!sameStream())
        out << endStream;
    return out;
}

bool FlowConfig::sameFlows(const FlowConfig &o) const {
    return startStream == o.startStream && endStream == o.endStream && keyField == o.keyField
           && typeField == o.typeField && startType == o.startType
           && completedType == o.completedType && failedTypes() == o.failedTypes();
}

QString FlowConfig::problem() const {
    if (startStream.isEmpty() || endStream.isEmpty() || keyField.isEmpty())
        return QStringLiteral("A flow needs a start stream, an end stream and a key field.");
    if (typeField.isEmpty()
        && (!startType.isEmpty() || !completedType.isEmpty() || !failedTypes().isEmpty()))
        return QStringLiteral("The start and end types are read from the type field: name it "
                              "(or clear the types).");
    if (sameStream()) {
        if (startType.isEmpty())
            return QStringLiteral("Start and end are on one stream (%1): the start type tells "
                                  "them apart, so give it.")
                .arg(QString::fromUtf8(startStream));
        if (startType == completedType || isFailedType(startType))
            return QStringLiteral("Start and end are on one stream (%1): the start type (%2) "
                                  "must differ from the end types.")
                .arg(QString::fromUtf8(startStream), QString::fromUtf8(startType));
    }
    return {};
}

bool FlowConfig::operator==(const FlowConfig &o) const {
    return sameFlows(o) && failedType == o.failedType && waitingThresholdMs == o.waitingThresholdMs
           && maxOpenFlows == o.maxOpenFlows;
}

// ---- Preferences ---------------------------------------------------------------------------

bool hasSavedFlowConfig(QSettings &settings) {
    return settings.childGroups().contains(QStringLiteral("flow"));
}

FlowConfig loadFlowConfig(QSettings &s, const FlowConfig &defaults) {
    FlowConfig f = defaults;
    s.beginGroup(QStringLiteral("flow"));
    f.startStream = s.value(QStringLiteral("startStream"), f.startStream).toByteArray();
    f.endStream = s.value(QStringLiteral("endStream"), f.endStream).toByteArray();
    f.keyField = s.value(QStringLiteral("keyField"), f.keyField).toByteArray();
    f.typeField = s.value(QStringLiteral("typeField"), f.typeField).toByteArray();
    f.startType = s.value(QStringLiteral("startType"), f.startType).toByteArray();
    f.completedType = s.value(QStringLiteral("completedType"), f.completedType).toByteArray();
    f.failedType = s.value(QStringLiteral("failedType"), f.failedType).toByteArray();
    bool ok = false;
    const qint64 threshold =
        s.value(QStringLiteral("waitingThresholdMs"), f.waitingThresholdMs).toLongLong(&ok);
    if (ok && threshold > 0)
        f.waitingThresholdMs = threshold;
    s.endGroup();
    return f;
}

void saveFlowConfig(QSettings &s, const FlowConfig &f) {
    s.beginGroup(QStringLiteral("flow"));
    s.setValue(QStringLiteral("startStream"), f.startStream);
    s.setValue(QStringLiteral("endStream"), f.endStream);
    s.setValue(QStringLiteral("keyField"), f.keyField);
    s.setValue(QStringLiteral("typeField"), f.typeField);
    s.setValue(QStringLiteral("startType"), f.startType);
    s.setValue(QStringLiteral("completedType"), f.completedType);
    s.setValue(QStringLiteral("failedType"), f.failedType);
    s.setValue(QStringLiteral("waitingThresholdMs"), f.waitingThresholdMs);
    s.endGroup();
    s.sync();
}

// ---- Command line --------------------------------------------------------------------------

QList<QCommandLineOption> flowOptions() {
    return {
        QCommandLineOption(startFlag,
                           QStringLiteral("The event flow starts with TYPE on STREAM (the type "
                                          "follows the last colon: bull:myqueue:events:added; "
                                          "'STREAM:' for any entry)."),
                           QStringLiteral("STREAM:TYPE")),
        QCommandLineOption(endFlag,
                           QStringLiteral("It ends on STREAM with COMPLETED, or with any FAILED "
                                          "type (bull:myqueue:events:completed,failed)."),
                           QStringLiteral("STREAM:COMPLETED[,FAILED]")),
        QCommandLineOption(keyFlag, QStringLiteral("The field both events carry (orderId, jobId)."),
                           QStringLiteral("FIELD")),
        QCommandLineOption(typeFieldFlag,
                           QStringLiteral("The field that names the event type (type, event)."),
                           QStringLiteral("FIELD")),
    };
}

bool anyFlowOptionSet(const QCommandLineParser &parser) {
    for (const QString &flag : {startFlag, endFlag, keyFlag, typeFieldFlag})
        if (parser.isSet(flag))
            return true;
    return false;
}

Result<FlowConfig> flowConfigFromOptions(const QCommandLineParser &parser, const FlowConfig &base) {
    FlowConfig c = base;
    if (parser.isSet(startFlag)) {
        auto start = parseStreamTypes(startFlag, parser.value(startFlag), false);
        if (!start.ok())
            return start.error();
        c.startStream = start->stream;
        c.startType = start->types.constFirst();
    }
    if (parser.isSet(endFlag)) {
        auto end = parseStreamTypes(endFlag, parser.value(endFlag), true);
        if (!end.ok())
            return end.error();
        c.endStream = end->stream;
        c.completedType = end->types.constFirst();
        c.failedType = end->types.mid(1).join(',');
    }
    if (parser.isSet(keyFlag)) {
        c.keyField = parser.value(keyFlag).trimmed().toUtf8();
        if (c.keyField.isEmpty())
            return invalid(QStringLiteral("--flow-key needs a field name (e.g. jobId)"));
    }
    if (parser.isSet(typeFieldFlag))
        c.typeField = parser.value(typeFieldFlag).trimmed().toUtf8(); // "": no type checks
    if (const QString why = c.problem(); !why.isEmpty())
        return invalid(QStringLiteral("the flow from the command line: %1").arg(why));
    return c;
}

} // namespace streamscope
