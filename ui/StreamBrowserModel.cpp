#include "StreamBrowserModel.h"

#include "ValueFormat.h"

#include <QFontDatabase>

namespace streamscope {

int StreamBrowserModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int StreamBrowserModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamBrowserModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StreamEntry &e = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return e.id.toString();
        case TimeColumn:
            return e.id.timestamp().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        case FieldsColumn:
            return valueformat::entrySummary(e, 300);
        }
        break;
    case Qt::FontRole:
        if (index.column() == IdColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case EntryRole:
        return QVariant::fromValue(e);
    }
    return {};
}

QVariant StreamBrowserModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"ID", "Added", "Fields"};
    return tr(names[section]);
}

bool StreamBrowserModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && !m_atEnd && !m_loading && !m_rows.isEmpty();
}

void StreamBrowserModel::fetchMore(const QModelIndex &parent) {
    if (canFetchMore(parent))
        request(PageStart::olderThan(m_rows.last().id));
}

void StreamBrowserModel::request(const PageStart &start) {
    m_loading = true;
    Q_EMIT pageWanted(m_request, m_stream, int(start.kind), start.id.ms, start.id.seq, pageSize);
}

void StreamBrowserModel::open(const QByteArray &stream, const PageStart &start) {
    beginResetModel();
    m_rows.clear();
    m_stream = stream;
    ++m_request;
    m_atEnd = false;
    endResetModel();
    request(start);
}

void StreamBrowserModel::addPage(int request, const StreamEntryList &page, const QString &error) {
    if (request != m_request)
        return;
    m_atEnd = page.size() < pageSize;
    if (!page.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(page.size()) - 1);
        m_rows.append(page);
        endInsertRows();
    }
    m_loading = false; // after the insert: a view asking for more now gets the next page
    if (!error.isEmpty())
        Q_EMIT failed(error);
    Q_EMIT pageLoaded(int(m_rows.size()), m_atEnd);
}

void StreamBrowserModel::removeEntries(const QByteArray &stream, const QList<QByteArray> &ids) {
    if (stream != m_stream)
        return;
    for (const QByteArray &id : ids) {
        const StreamId target = StreamId::fromServer(id);
        for (int row = 0; row < m_rows.size(); ++row)
            if (m_rows.at(row).id == target) {
                beginRemoveRows({}, row, row);
                m_rows.removeAt(row);
                endRemoveRows();
                break;
            }
    }
}

bool EntryFilterProxy::setFilter(const QByteArray &field, const QString &value, Mode mode,
                                 QString *error) {
    if (mode == Mode::Regex && !value.isEmpty()) {
        QRegularExpression regex(value);
        if (!regex.isValid()) {
            *error = tr("the regular expression is not valid: %1 (at %2)")
                         .arg(regex.errorString())
                         .arg(regex.patternErrorOffset());
            return false;
        }
        m_regex = regex;
    }
    m_field = field;
    m_value = value;
    m_mode = mode;
    invalidateRowsFilter();
    return true;
}

bool EntryFilterProxy::filterAcceptsRow(int row, const QModelIndex &parent) const {
    if (!isActive())
        return true;
    const auto *model = static_cast<const StreamBrowserModel *>(sourceModel());
    const StreamEntry &e = model->entry(row);
    bool match = false;
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (match || (!m_field.isEmpty() && name != m_field))
            return;
        if (m_value.isEmpty()) {
            match = true;
            return;
        }
        const QString text = valueformat::displayText(value);
        switch (m_mode) {
        case Mode::Contains:
            match = text.contains(m_value, Qt::CaseInsensitive);
            break;
        case Mode::Equals:
            match = text == m_value;
            break;
        case Mode::Regex:
            match = m_regex.match(text).hasMatch();
            break;
        }
    });
    Q_UNUSED(parent);
    return match;
}

} // namespace streamscope
