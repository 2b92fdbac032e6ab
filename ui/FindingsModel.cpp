#include "FindingsModel.h"

#include "Palette.h"
#include "ValueFormat.h"

#include <algorithm>

namespace streamscope {

int FindingsModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_findings.size());
}

int FindingsModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Finding &f = m_findings.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case SeverityColumn:
            return severityName(f.severity);
        case KindColumn:
            return f.kind;
        case WhereColumn:
            return QStringLiteral("%1 / %2").arg(valueformat::singleLine(f.stream, 60),
                                                 valueformat::singleLine(f.group, 60));
        case MessageColumn:
            return f.message;
        }
    } else if (role == Qt::ForegroundRole) {
        if (!m_current)
            return toneColour(Tone::Muted);
        if (index.column() == SeverityColumn)
            return toneColour(severityTone(f.severity));
    } else if (role == Qt::ToolTipRole && index.column() == MessageColumn) {
        return f.message;
    }
    return {};
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *names[] = {"Severity", "Finding", "Stream / group", "What to do"};
    return tr(names[section]);
}

void FindingsModel::setFindings(FindingList findings) {
    std::stable_sort(findings.begin(), findings.end(),
                     [](const Finding &a, const Finding &b) { return a.severity > b.severity; });
    beginResetModel();
    m_findings = std::move(findings);
    endResetModel();
}

void FindingsModel::setCurrent(bool current) {
    if (current == m_current)
        return;
    m_current = current;
    if (!m_findings.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                           {Qt::ForegroundRole});
}

} // namespace streamscope
