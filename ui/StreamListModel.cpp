#include "StreamListModel.h"

#include "ValueFormat.h"

namespace streamscope {

StreamListModel::StreamListModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int StreamListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_streams.size());
}

int StreamListModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StreamInfo &s = m_streams.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return valueformat::singleLine(s.name, 120);
        case LengthColumn:
            return QLocale().toString(s.length);
        case LastIdColumn:
            return s.lastEntryId ? s.lastEntryId->toString() : QStringLiteral("-");
        case RateColumn:
            return QString::number(m_rates.value(s.name), 'f', 1);
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (index.column() == LengthColumn || index.column() == RateColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole) {
        return tr("%1\n%2 entries, %3 consumer group(s)\nlast ID %4")
            .arg(valueformat::displayText(s.name))
            .arg(s.length)
            .arg(s.groups)
            .arg(s.lastGeneratedId.toString());
    } else if (role == NameRole) {
        return s.name;
    }
    return {};
}

QVariant StreamListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn:
            return tr("Stream");
        case LengthColumn:
            return tr("Length");
        case LastIdColumn:
            return tr("Last ID");
        case RateColumn:
            return tr("Events/s");
        }
    } else if (role == Qt::ToolTipRole && section == RateColumn) {
        return tr("Entries added per second between the last two polls");
    }
    return {};
}

void StreamListModel::setStreams(const StreamInfoList &streams, qint64 nowMs) {
    for (const StreamInfo &s : streams) {
        const qint64 count = s.entriesAdded.value_or(s.length);
        const auto previous = m_samples.constFind(s.name);
        if (previous != m_samples.cend() && nowMs > previous->atMs)
            m_rates[s.name] = qMax(0.0, double(count - previous->count) * 1000.0
                                            / double(nowMs - previous->atMs));
        m_samples[s.name] = {nowMs, count};
    }

    // Same names in the same order (the common case): update in place.
    bool sameRows = streams.size() == m_streams.size();
    for (qsizetype i = 0; sameRows && i < streams.size(); ++i)
        sameRows = streams.at(i).name == m_streams.at(i).name;
    if (sameRows) {
        m_streams = streams;
        if (!m_streams.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_streams = streams;
    endResetModel();
}

QList<QByteArray> StreamListModel::names() const {
    QList<QByteArray> out;
    for (const StreamInfo &s : m_streams)
        out.append(s.name);
    return out;
}

} // namespace streamscope
